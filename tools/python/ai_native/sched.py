# SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
"""Register processes with ai_sched (ai_sched(4)).

A registered process runs at its boost nice while its GPU is under-fed and
at its own nice otherwise. Without CAP_SYS_NICE the boost must be one the
target's RLIMIT_NICE allows (EPERM otherwise) and no lower than the
module's min_nice. A registration made without persist=True ends when the
descriptor it was made on is closed, so a Python process that registers
itself and dies is put back by the kernel.
"""
import contextlib
from dataclasses import dataclass

from . import _dev
from . import _uapi as u

DEVICE = "/dev/ai_sched"


def _device(device):
    return device if device is not None else _dev.shared(DEVICE)


def register(pid=0, nice=-5, gpu=0, persist=False, device=None):
    """Register @pid (0: this process) to run at @nice while GPU @gpu is
    under-fed. OSError: EPERM (nice beyond RLIMIT_NICE, or not yours),
    ESRCH (no such process), EEXIST (already registered), EINVAL, ..."""
    req = bytearray(u.SCHED_REGISTER.pack(
        u.SCHED_REGISTER.size, u.AI_SCHED_REG_PERSIST if persist else 0,
        int(pid), int(nice), int(gpu), 0))
    _device(device).ioctl(u.AI_SCHED_IOC_REGISTER, req)


def unregister(pid=0, device=None):
    """Unregister @pid (0: this process): its threads get back exactly the
    nice they had."""
    req = bytearray(u.SCHED_UNREGISTER.pack(u.SCHED_UNREGISTER.size, 0,
                                            int(pid), 0))
    _device(device).ioctl(u.AI_SCHED_IOC_UNREGISTER, req)


def set_gpu_util(gpu, util, device=None):
    """Report GPU @gpu's utilisation in percent (what the agent does;
    needs CAP_SYS_ADMIN)."""
    req = bytearray(u.SCHED_GPU_UTIL.pack(u.SCHED_GPU_UTIL.size, 0,
                                          int(gpu), int(util)))
    _device(device).ioctl(u.AI_SCHED_IOC_SET_GPU_UTIL, req)


@dataclass(frozen=True)
class Registration:
    """AI_SCHED_IOC_QUERY for one registered process."""
    pid: int
    gpu: int
    boost_nice: int
    own_nice: int
    cur_nice: int
    gpu_state: str	# "unknown", "available" or "saturated"
    boosted: bool
    persistent: bool
    owned: bool	# registered through this descriptor
    threads: int
    boosted_threads: int
    gpu_util: int	# None if the GPU was never reported


def query(pid=0, device=None):
    """What ai_sched holds for @pid (0: this process); ESRCH if it is not
    registered."""
    req = bytearray(u.SCHED_QUERY.size)
    u.SCHED_QUERY.pack_into(req, 0, u.SCHED_QUERY.size, 0, int(pid),
                            *([0] * 11))
    _device(device).ioctl(u.AI_SCHED_IOC_QUERY, req)
    f = u.SCHED_QUERY.unpack(req)
    (_, _, rpid, gpu, boost, own, cur, state, boosted, flags, threads,
     bthreads, util, _) = f
    return Registration(
        pid=rpid or pid, gpu=gpu, boost_nice=boost, own_nice=own,
        cur_nice=cur, gpu_state=u.AI_SCHED_GPU_STATES.get(state, str(state)),
        boosted=bool(boosted), persistent=bool(flags & u.AI_SCHED_REG_PERSIST),
        owned=bool(flags & u.AI_SCHED_QUERY_OWNED), threads=threads,
        boosted_threads=bthreads,
        gpu_util=None if util == u.AI_SCHED_UTIL_NONE else util)


@contextlib.contextmanager
def boosted(nice=-5, gpu=0, pid=0):
    """``with ai_native.boosted(nice=-5, gpu=0): run_inference()``:
    registered for the block, unregistered (nice restored) after it."""
    register(pid=pid, nice=nice, gpu=gpu)
    try:
        yield
    finally:
        unregister(pid=pid)
