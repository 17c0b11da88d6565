# SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
"""Pinned buffers from /dev/ai_mem (ai_mem(4)).

A buffer is an ALLOC on the process's descriptor, mapped with Python's own
mmap object. The mmap object is what makes this safe: it implements the
buffer protocol (numpy.frombuffer, memoryview, socket.recv_into and
readinto all use it without a copy) and it counts its exports, so a buffer
that a numpy array or memoryview still uses cannot be unmapped under it:
free() raises BufferError instead of leaving a dangling array.
"""
import mmap
import os
from dataclasses import dataclass

from . import _dev
from . import _uapi as u

DEVICE = "/dev/ai_mem"


def _device(device):
    return device if device is not None else _dev.shared(DEVICE)


class PinnedBuffer:
    """A zeroed, pinned, page-aligned buffer of at least @size bytes.

    @node: NUMA node to take the blocks from (None: the caller's first);
    @strict_node: fail with ENOMEM rather than use another node;
    @device: an ai_native.Device of /dev/ai_mem (None: the process's own).
    Errors are OSError with the ioctl's errno (ENOMEM: pool empty, EDQUOT:
    over RLIMIT_MEMLOCK, EACCES: not allowed to open the device, ...).
    """

    def __init__(self, size, node=None, strict_node=False, device=None):
        size = int(size)
        if size <= 0:
            raise ValueError("size must be positive")
        self._dev = _device(device)
        length = -(-size // mmap.PAGESIZE) * mmap.PAGESIZE
        req = bytearray(u.MEM_ALLOC.pack(
            u.MEM_ALLOC.size, u.AI_MEM_ALLOC_STRICT_NODE if strict_node else 0,
            length, u.AI_MEM_NODE_ANY if node is None else int(node), 0, 0))
        self._dev.ioctl(u.AI_MEM_IOC_ALLOC, req)
        self.offset = u.MEM_ALLOC.unpack(req)[5]
        self.size = length
        try:
            # MAP_POPULATE: faulted in now, as ai_alloc_pinned() does, so
            # the first DMA or cudaHostRegister() does not fault.
            self._map = mmap.mmap(self._dev.fd, length,
                                  flags=mmap.MAP_SHARED | mmap.MAP_POPULATE,
                                  prot=mmap.PROT_READ | mmap.PROT_WRITE,
                                  offset=self.offset)
        except BaseException:
            self._free_offset()
            raise

    def _free_offset(self):
        req = bytearray(u.MEM_FREE.pack(u.MEM_FREE.size, 0, self.offset))
        self._dev.ioctl(u.AI_MEM_IOC_FREE, req)

    @property
    def closed(self):
        return self._map is None

    def _live(self):
        if self._map is None:
            raise ValueError("buffer already freed")
        return self._map

    def memoryview(self):
        """A writable memoryview of the whole buffer (no copy)."""
        return memoryview(self._live())

    def numpy(self, dtype="uint8", shape=None):
        """A numpy array over the buffer (no copy); free() refuses while
        it is alive."""
        import numpy
        dt = numpy.dtype(dtype)
        arr = numpy.frombuffer(self._live(), dtype=dt,
                               count=self.size // dt.itemsize)
        return arr if shape is None else arr.reshape(shape)

    @property
    def address(self):
        """The buffer's virtual address (for ctypes or a CUDA binding's
        cudaHostRegister)."""
        import ctypes
        return ctypes.addressof(ctypes.c_char.from_buffer(self._live()))

    def export_dmabuf(self, start=0, length=0, writable=True):
        """A dma-buf file descriptor (an int, close-on-exec, yours to
        os.close()) of @length bytes from @start (0: to the end), for a
        driver that imports dma-bufs (RDMA ibv_reg_dmabuf_mr, DRM PRIME).
        It keeps the memory alive, and charged, after free() while anyone
        holds it. @writable: its mappings may be writable."""
        self._live()
        flags = u.AI_MEM_EXPORT_CLOEXEC | (u.AI_MEM_EXPORT_RDWR if writable else 0)
        req = bytearray(u.MEM_EXPORT.pack(u.MEM_EXPORT.size, flags, self.offset,
                                          int(start), int(length), -1, 0))
        self._dev.ioctl(u.AI_MEM_IOC_EXPORT, req)
        return u.MEM_EXPORT.unpack(req)[5]

    def free(self):
        """Unmap and give the blocks back. BufferError while an export
        (numpy array, memoryview) is alive; freeing twice is a no-op."""
        if self._map is None:
            return
        try:
            self._map.close()
        except BufferError as e:
            raise BufferError(
                "pinned buffer still in use by a numpy array or "
                "memoryview: delete those first") from e
        self._map = None
        self._free_offset()

    def __len__(self):
        return self.size

    def __buffer__(self, flags):	# Python 3.12+: the buffer protocol itself
        return memoryview(self._live())

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.free()

    def __del__(self):
        # A buffer dropped while exported stays mapped (the export holds
        # the mmap object); its blocks return when the descriptor closes.
        try:
            self.free()
        except (BufferError, OSError, AttributeError):
            pass


def alloc_pinned(size, node=None, strict_node=False):
    """ai_alloc_pinned(): a PinnedBuffer on the process's descriptor."""
    return PinnedBuffer(size, node=node, strict_node=strict_node)


@dataclass(frozen=True)
class MemInfo:
    """AI_MEM_IOC_INFO, in bytes where the ioctl counts blocks."""
    pool_bytes: int
    block_size: int
    total_blocks: int
    free_blocks: int
    pending_blocks: int
    file_blocks: int
    user_blocks: int
    limit_blocks: int	# AI_MEM_NO_LIMIT: no limit applies
    nr_nodes: int

    @property
    def free_bytes(self):
        return self.free_blocks * self.block_size


def info(device=None):
    """Pool statistics, as the caller sees them (its file, its user)."""
    dev = device if device is not None else _dev.shared(DEVICE)
    req = bytearray(u.MEM_INFO.size)
    u.MEM_INFO.pack_into(req, 0, u.MEM_INFO.size, *([0] * 11))
    dev.ioctl(u.AI_MEM_IOC_INFO, req)
    f = u.MEM_INFO.unpack(req)
    return MemInfo(*f[2:11])


def open_device(path=DEVICE, readonly=False):
    """A Device of its own (allocations on it end when it is closed)."""
    return _dev.Device(path, os.O_RDONLY if readonly else os.O_RDWR)
