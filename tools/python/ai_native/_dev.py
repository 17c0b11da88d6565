# SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
"""One lazily opened descriptor per device and process, as libai keeps."""
import fcntl
import os
import threading


class Device:
    """An open /dev/ai_mem or /dev/ai_sched.

    What the kernel ties to an open file (ai_mem's allocations, ai_sched's
    non-persistent registrations) ends when it is closed; close() or the
    end of a ``with`` block does that at once.
    """

    def __init__(self, path, flags=os.O_RDWR):
        self.path = path
        self.fd = -1
        # OSError from open(2): ENOENT without the module, EACCES for a
        # user outside the device's group.
        self.fd = os.open(path, flags | os.O_CLOEXEC)

    def ioctl(self, request, arg):
        """Issue @request with the bytearray @arg, which the kernel may
        update in place; failures raise OSError with the ioctl's errno."""
        fcntl.ioctl(self.fd, request, arg, True)
        return arg

    def close(self):
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()


_lock = threading.Lock()
_shared = {}


def shared(path):
    """The process's own descriptor of @path, opened on first use."""
    with _lock:
        dev = _shared.get(path)
        if dev is None or dev.fd < 0:
            dev = _shared[path] = Device(path)
        return dev


def _forget_after_fork():
    # The child inherits the descriptors and so shares the parent's
    # allocations (as with libai); it keeps using them, but a fresh lock.
    global _lock
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_after_fork)
