/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gpu_tracer.h - types shared by bpf/gpu_tracer.bpf.c and user space.
 *
 * The tracer times calls into the CUDA driver, the CUDA runtime and HIP
 * with a uprobe on entry and a uretprobe on return. A launch is asynchronous: what is measured is the
 * CPU-side launch latency (enqueue plus driver back-pressure), never the
 * kernel's execution time on the GPU.
 */
#ifndef GPU_TRACER_H
#define GPU_TRACER_H

#ifndef __bpf__
#include <linux/types.h>
#endif

/*
 * Which function a probe sits on. It travels as the BPF cookie of each
 * attachment, so one program pair serves every entry point. Three layers
 * (enum gt_layer): the CUDA driver (libcuda.so.1), the CUDA runtime
 * (libcudart.so.*, or the copy nvcc links statically into executables) and
 * AMD's HIP runtime (libamdhip64.so.*). User space keeps the table of
 * names, layers and kinds (tools/ai_monitor/tracer/trace_apis.c).
 */
enum gt_api {
	/* CUDA driver */
	GT_LAUNCH_KERNEL,
	GT_LAUNCH_KERNEL_PTSZ,
	GT_LAUNCH_KERNEL_EX,
	GT_LAUNCH_KERNEL_EX_PTSZ,
	GT_LAUNCH_COOPERATIVE,
	GT_LAUNCH_COOPERATIVE_PTSZ,
	GT_GRAPH_LAUNCH,
	GT_GRAPH_LAUNCH_PTSZ,
	GT_STREAM_SYNC,
	GT_CTX_SYNC,
	GT_EVENT_SYNC,
	/* CUDA runtime */
	GT_RT_LAUNCH_KERNEL,
	GT_RT_LAUNCH_KERNEL_PTSZ,
	GT_RT_LAUNCH_KERNEL_EXC,
	GT_RT_LAUNCH_KERNEL_EXC_PTSZ,
	GT_RT_LAUNCH_COOPERATIVE,
	GT_RT_LAUNCH_COOPERATIVE_PTSZ,
	GT_RT_GRAPH_LAUNCH,
	GT_RT_GRAPH_LAUNCH_PTSZ,
	GT_RT_STREAM_SYNC,
	GT_RT_STREAM_SYNC_PTSZ,
	GT_RT_DEVICE_SYNC,
	GT_RT_EVENT_SYNC,
	/* HIP */
	GT_HIP_LAUNCH_KERNEL,
	GT_HIP_LAUNCH_KERNEL_SPT,
	GT_HIP_EXT_LAUNCH_KERNEL,
	GT_HIP_MODULE_LAUNCH_KERNEL,
	GT_HIP_EXT_MODULE_LAUNCH_KERNEL,
	GT_HIP_LAUNCH_COOPERATIVE,
	GT_HIP_LAUNCH_COOPERATIVE_SPT,
	GT_HIP_GRAPH_LAUNCH,
	GT_HIP_STREAM_SYNC,
	GT_HIP_STREAM_SYNC_SPT,
	GT_HIP_DEVICE_SYNC,
	GT_HIP_EVENT_SYNC,
	/* A function in the tracer itself, timed to measure our own cost. */
	GT_CALIBRATE,
	GT_API_COUNT,
};

enum gt_layer {
	GT_LAYER_DRIVER,
	GT_LAYER_RUNTIME,
	GT_LAYER_HIP,
	GT_LAYERS,
};

/*
 * Histogram: log2 buckets, each power of two split into 2^GT_SUB_BITS
 * linear sub-buckets (bpftrace's hist(n, k) with k = GT_SUB_BITS), in ns.
 * Values below 2^GT_SUB_BITS get one bucket each. With 4 sub-buckets the
 * widest bucket spans 25% of its lower bound: 4 us lands in [3584, 4096),
 * 6 us in [5120, 6144). Values of 2^(GT_MAX_LOG2 + 1) ns (~18 min) and
 * more are counted in the last bucket.
 */
#define GT_SUB_BITS	2
#define GT_SUB		(1U << GT_SUB_BITS)
#define GT_MAX_LOG2	39
#define GT_SLOTS	((GT_MAX_LOG2 - GT_SUB_BITS + 2) * GT_SUB)

/* Key of the per-process histogram map. */
struct gt_key {
	__u32 tgid;
	__u32 api;		/* enum gt_api */
};

/* One (process, API): its calls that returned, by latency (the slots' sum is their number). */
struct gt_hist {
	__u64 sum_ns;
	__u64 errors;		/* calls that returned non-zero (CUresult, cudaError_t, hipError_t) */
	char comm[16];
	__u64 slots[GT_SLOTS];
};

/*
 * The BPF cookie of a probe: its enum gt_api, and its layer (GT_LAYERS for
 * the calibration probes), which picks the thread's start slot.
 */
#define GT_COOKIE_LAYER_SHIFT	8
#define GT_COOKIE_API_MASK	0xff

/* A call in flight; ts_ns 0: none. */
struct gt_start {
	__u64 ts_ns;
	__u32 api;
	__u32 window;		/* the duty window it entered in */
};

/* A thread's calls in flight, one per layer, in its task storage. */
struct gt_starts {
	struct gt_start s[GT_LAYERS + 1];
};

/*
 * Events we could not account for. Nothing is lost silently: each is
 * counted here and shown by `ai_monitor trace`.
 */
struct gt_drops {
	__u64 overwritten;	/* entry found its thread's previous call still in flight */
	__u64 no_start;		/* return without a recorded entry (evicted, or attached mid-call) */
	__u64 start_full;	/* could not record an entry */
	__u64 hist_full;	/* no room for a new (process, API) histogram */
};

static inline unsigned int gt_log2(__u64 v)
{
	unsigned int r = 0, shift;

	shift = (v > 0xffffffffULL) << 5; v >>= shift; r |= shift;
	shift = (v > 0xffff) << 4; v >>= shift; r |= shift;
	shift = (v > 0xff) << 3; v >>= shift; r |= shift;
	shift = (v > 0xf) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	return r;
}

/* Bucket index of a latency in ns; the inverse is gt_slot_lo()/gt_slot_hi(). */
static inline unsigned int gt_slot(__u64 ns)
{
	unsigned int l;

	if (ns < GT_SUB)
		return ns;
	l = gt_log2(ns);
	if (l > GT_MAX_LOG2)
		return GT_SLOTS - 1;
	return ((l - GT_SUB_BITS + 1) << GT_SUB_BITS) +
	       ((ns >> (l - GT_SUB_BITS)) & (GT_SUB - 1));
}

#endif /* GPU_TRACER_H */
