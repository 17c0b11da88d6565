#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Host tests of the Python binding (TAP): its structures and ioctl numbers
against the C headers (uapi_dump), the /proc parsers, and the buffer's
export rules over a stand-in device. The binding against the real modules
is tested in the Debian guest (tests/debian/guest-test.sh)."""
import errno
import os
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "python"))

n = 0
failed = 0


def ok(cond, what):
    global n, failed
    n += 1
    print(("ok %d - %s" if cond else "not ok %d - %s") % (n, what))
    failed += not cond
    return cond


import ai_native                       # noqa: E402
from ai_native import _uapi as u       # noqa: E402
from ai_native import status           # noqa: E402

# Field names in the order of each Python layout.
LAYOUTS = {
    "ai_mem_alloc": (u.MEM_ALLOC, "size flags length node __reserved offset"),
    "ai_mem_free": (u.MEM_FREE, "size flags offset"),
    "ai_mem_info": (u.MEM_INFO, "size flags pool_bytes block_size total_blocks "
                    "free_blocks pending_blocks file_blocks user_blocks "
                    "limit_blocks nr_nodes __reserved"),
    "ai_mem_export": (u.MEM_EXPORT, "size flags offset start length fd nr_segments"),
    "ai_sched_register": (u.SCHED_REGISTER, "size flags pid nice gpu pidfd"),
    "ai_sched_unregister": (u.SCHED_UNREGISTER, "size flags pid reserved"),
    "ai_sched_gpu_util": (u.SCHED_GPU_UTIL, "size flags gpu util"),
    "ai_sched_query": (u.SCHED_QUERY, "size flags pid gpu boost_nice own_nice "
                       "cur_nice gpu_state boosted reg_flags threads "
                       "boosted_threads gpu_util reserved"),
}


def offsets(st):
    fmt = st.format
    order, codes = fmt[0], fmt[1:]
    return [struct.calcsize(order + codes[:i]) for i in range(len(codes))]


def test_layouts():
    dump = os.path.join(os.environ.get("AI_USER_OUT", os.path.join(ROOT, "build", "user")),
                        "uapi_dump")
    out = subprocess.run([dump], check=True, capture_output=True, text=True).stdout
    values = {"AI_MEM_IOC_ALLOC": u.AI_MEM_IOC_ALLOC, "AI_MEM_IOC_FREE": u.AI_MEM_IOC_FREE,
              "AI_MEM_IOC_INFO": u.AI_MEM_IOC_INFO,
              "AI_MEM_IOC_EXPORT": u.AI_MEM_IOC_EXPORT,
              "AI_MEM_EXPORT_CLOEXEC": u.AI_MEM_EXPORT_CLOEXEC,
              "AI_MEM_EXPORT_RDWR": u.AI_MEM_EXPORT_RDWR,
              "AI_MEM_NODE_ANY + 0x100000000ULL": u.AI_MEM_NODE_ANY + 0x100000000,
              "AI_MEM_ALLOC_STRICT_NODE": u.AI_MEM_ALLOC_STRICT_NODE,
              "AI_MEM_NO_LIMIT": u.AI_MEM_NO_LIMIT,
              "AI_SCHED_IOC_REGISTER": u.AI_SCHED_IOC_REGISTER,
              "AI_SCHED_IOC_UNREGISTER": u.AI_SCHED_IOC_UNREGISTER,
              "AI_SCHED_IOC_SET_GPU_UTIL": u.AI_SCHED_IOC_SET_GPU_UTIL,
              "AI_SCHED_IOC_QUERY": u.AI_SCHED_IOC_QUERY,
              "AI_SCHED_REG_PERSIST": u.AI_SCHED_REG_PERSIST,
              "AI_SCHED_REG_PIDFD": u.AI_SCHED_REG_PIDFD,
              "AI_SCHED_QUERY_OWNED": u.AI_SCHED_QUERY_OWNED,
              "AI_SCHED_UTIL_NONE": u.AI_SCHED_UTIL_NONE}
    seen = 0
    for line in out.splitlines():
        kind, _, rest = line.partition(" ")
        name, _, val = rest.rpartition(" ")
        val = int(val)
        if kind == "sizeof":
            ok(LAYOUTS[name][0].size == val, "sizeof struct %s is %d in Python too" % (name, val))
        elif kind == "offsetof":
            sname, field = name.split(".")
            st, names = LAYOUTS[sname]
            got = offsets(st)[names.split().index(field)]
            ok(got == val, "%s at offset %d in Python too (got %d)" % (name, val, got))
        else:
            ok(values.get(name) == val, "%s is %#x in Python too" % (name, val))
        seen += 1
    ok(seen >= 40, "uapi_dump gave %d values to compare" % seen)


def test_status():
    mem = ("Total Pool Size: 256 MB\nBlock Size: 4 KB\nTotal Blocks: 65536\n"
           "Allocated: 8192 bytes\nFree Blocks: 65534\n")
    sched = ("AI Tasks: 1\nParameters: busy_pct 90 hyst_pct 10\n"
             "PID     COMM             GPU STATE   NICE THREADS BOOSTED CPU_MS REG\n"
             "1234    python3          0   boost   0->-5 4 4 120 fd\n")
    with tempfile.TemporaryDirectory() as d:
        status.MEMORY, status.SCHEDULER = os.path.join(d, "m"), os.path.join(d, "s")
        with open(status.MEMORY, "w") as f:
            f.write(mem)
        with open(status.SCHEDULER, "w") as f:
            f.write(sched)
        m = ai_native.memory_status()
        ok(m.get("Total Blocks") == "65536" and m.get("Block Size") == "4 KB",
           "memory_status() reads /proc/ai_memory's fields")
        s = ai_native.scheduler_status()
        ok(s["fields"].get("AI Tasks") == "1", "scheduler_status() reads the header fields")
        t = s["tasks"]
        ok(len(t) == 1 and t[0]["pid"] == "1234" and t[0]["nice"] == "0->-5"
           and t[0]["reg"] == "fd", "scheduler_status() reads the task table by column")


class FakeDevice:
    """Stands in for /dev/ai_mem: a file to map, ioctls recorded."""

    def __init__(self, path):
        self.fd = os.open(path, os.O_RDWR)
        self.calls = []

    def ioctl(self, req, arg):
        self.calls.append(req)
        if req == u.AI_MEM_IOC_ALLOC:
            f = list(u.MEM_ALLOC.unpack(arg))
            f[5] = 4096                        # the offset "the kernel" chose
            u.MEM_ALLOC.pack_into(arg, 0, *f)
        return arg


def test_buffer_rules():
    ok(isinstance(_raises(lambda: ai_native.PinnedBuffer(0)), ValueError),
       "a zero-sized buffer is a ValueError")
    e = _raises(lambda: ai_native.open_device("/nonexistent/ai_mem"))
    ok(isinstance(e, FileNotFoundError) and e.errno == errno.ENOENT,
       "no device: FileNotFoundError with errno ENOENT")
    with tempfile.NamedTemporaryFile() as f:
        f.truncate(4096 * 8)
        dev = FakeDevice(f.name)
        buf = ai_native.PinnedBuffer(5000, device=dev)
        ok(buf.size == 8192 and buf.offset == 4096 and dev.calls == [u.AI_MEM_IOC_ALLOC],
           "size rounds up to pages, mapped at the offset ALLOC returned")
        mv = buf.memoryview()
        mv[0:4] = b"abcd"
        ok(os.pread(dev.fd, 4, 4096) == b"abcd", "memoryview writes the mapped pages")
        e = _raises(buf.free)
        ok(isinstance(e, BufferError) and not buf.closed and dev.calls.count(u.AI_MEM_IOC_FREE) == 0,
           "free() while a memoryview is alive: BufferError, nothing freed")
        mv.release()
        try:
            import numpy
            a = buf.numpy(numpy.uint32)
            ok(a.size == 2048 and bytes(a[:1].tobytes()) == b"abcd",
               "numpy array over the same pages, no copy")
            ok(isinstance(_raises(buf.free), BufferError), "free() while a numpy array is alive: BufferError")
            del a
        except ImportError:
            print("ok %d # SKIP numpy is not installed" % (n + 1))
        buf.free()
        ok(buf.closed and dev.calls.count(u.AI_MEM_IOC_FREE) == 1,
           "free() once nothing uses it: unmapped, one FREE")
        buf.free()
        ok(dev.calls.count(u.AI_MEM_IOC_FREE) == 1, "a second free() is a no-op")
        ok(isinstance(_raises(buf.memoryview), ValueError), "a freed buffer gives no view")
        with ai_native.PinnedBuffer(4096, device=dev) as b2:
            pass
        ok(b2.closed and dev.calls.count(u.AI_MEM_IOC_FREE) == 2, "a with block frees the buffer")


def _raises(fn):
    try:
        fn()
    except BaseException as e:   # noqa: B036 - the test wants to see it
        return e
    return None


test_layouts()
test_status()
test_buffer_rules()
print("1..%d" % n)
sys.exit(1 if failed else 0)
