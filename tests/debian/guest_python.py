#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The Python binding against the real modules, in the Debian guest (TAP).

    guest_python.py member     a user in group ai-native: 1 MiB through the
                               binding, and RLIMIT_MEMLOCK still applies
    guest_python.py outsider   a user outside it: EACCES
    guest_python.py root       64 MiB numpy round trip, zeroed reuse of the
                               whole pool, a boost and its exact undo
"""
import errno
import os
import sys
import time

import ai_native

n = failed = 0


def ok(cond, what):
    global n, failed
    n += 1
    print(("ok %d - %s" if cond else "not ok %d - %s") % (n, what), flush=True)
    failed += not cond
    return cond


def member():
    with ai_native.PinnedBuffer(1 << 20) as buf:
        mv = buf.memoryview()
        mv[:5] = b"hello"
        ok(bytes(mv[:5]) == b"hello" and bytes(mv[5:4096]) == bytes(4091),
           "member: 1 MiB buffer, zeroed, written and read back")
        info = ai_native.mem_info()
        ok(info.file_blocks == 256 and info.user_blocks >= 256,
           "member: INFO counts the 256 blocks on this file and user")
        mv.release()
    ok(ai_native.mem_info().file_blocks == 0, "member: freed at the end of the with block")
    # A dma-buf of it outlives free(): the fd's mapping still reads it.
    import mmap
    buf = ai_native.PinnedBuffer(1 << 20)
    buf.memoryview()[:4] = b"dmab"
    fd = buf.export_dmabuf(length=4096)
    buf.free()
    with mmap.mmap(fd, 4096, prot=mmap.PROT_READ) as m:
        ok(m[:4] == b"dmab" and os.lseek(fd, 0, os.SEEK_END) == 4096,
           "member: a 4 KiB dma-buf of a freed buffer still reads its bytes")
    os.close(fd)
    ok(ai_native.mem_info().user_blocks == 0, "member: closing the dma-buf uncharges it")
    limit = ai_native.mem_info().limit_blocks
    try:
        ai_native.PinnedBuffer(limit * 4096 + (1 << 20))
        ok(False, "member: a buffer over RLIMIT_MEMLOCK is refused")
    except OSError as e:
        ok(e.errno == errno.EDQUOT, "member: over RLIMIT_MEMLOCK (%d blocks): EDQUOT (%s)"
           % (limit, e.strerror))


def outsider():
    for path, fn in (("/dev/ai_mem", lambda: ai_native.PinnedBuffer(4096)),
                     ("/dev/ai_sched", lambda: ai_native.register(nice=0))):
        try:
            fn()
            ok(False, "outsider: %s refused" % path)
        except PermissionError as e:
            ok(e.errno == errno.EACCES, "outsider: %s gives PermissionError EACCES" % path)


def wait_nice(want, secs=5):
    end = time.time() + secs
    while time.time() < end:
        if os.getpriority(os.PRIO_PROCESS, 0) == want:
            return True
        time.sleep(0.05)
    return os.getpriority(os.PRIO_PROCESS, 0) == want


def root():
    import numpy as np
    with ai_native.PinnedBuffer(64 << 20) as buf:
        a = buf.numpy(np.uint64)
        a[:] = np.arange(a.size, dtype=np.uint64)
        ok(a.size == 8 << 20 and int(a[-1]) == a.size - 1 and
           bytes(buf.memoryview()[8:16]) == (1).to_bytes(8, "little"),
           "root: numpy array over 64 MiB pinned, written and read back, no copy")
        try:
            buf.free()
            ok(False, "root: free() refused while the array lives")
        except BufferError:
            ok(not buf.closed, "root: free() refused while the array lives (BufferError)")
        del a
    # Fill the whole free pool, give it back, take it all again: the same
    # blocks come back, and must come back zeroed.
    free = ai_native.mem_info().free_bytes
    with ai_native.PinnedBuffer(free) as buf:
        a = buf.numpy(np.uint8)
        a[:] = 0xAB
        del a
    with ai_native.PinnedBuffer(free) as buf:
        a = buf.numpy(np.uint8)
        ok(not a.any(), "root: the whole pool (%d MiB) handed out again is zeroed" % (free >> 20))
        del a

    os.setpriority(os.PRIO_PROCESS, 0, 0)
    ai_native.set_gpu_util(0, 10)
    with ai_native.boosted(nice=-5, gpu=0):
        ai_native.set_gpu_util(0, 10)
        ok(wait_nice(-5), "root: registered, GPU at 10%: boosted to nice -5")
        q = ai_native.query()
        ok(q.boosted and q.boost_nice == -5 and q.gpu_state == "available" and q.owned,
           "root: QUERY says boosted, available, owned")
        st = ai_native.scheduler_status()
        ok(any(t["pid"] == str(os.getpid()) for t in st["tasks"]),
           "root: /proc/ai_scheduler lists this process")
    ok(os.getpriority(os.PRIO_PROCESS, 0) == 0, "root: unregistered: nice back to exactly 0")
    try:
        ai_native.query()
        ok(False, "root: QUERY after unregister fails")
    except OSError as e:
        ok(e.errno == errno.ENOENT, "root: QUERY after unregister: ENOENT")


{"member": member, "outsider": outsider, "root": root}[sys.argv[1]]()
print("1..%d" % n)
sys.exit(1 if failed else 0)
