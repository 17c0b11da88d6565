// SPDX-License-Identifier: GPL-2.0
/*
 * trace_hist.c - bucket bounds and percentiles of the tracer's histograms.
 *
 * The bucket index is computed by gt_slot() in bpf/gpu_tracer.h, shared
 * with the BPF program; this is its inverse, plus the statistics on top.
 */
#include "trace_lib.h"

static const char *const api_names[GT_API_COUNT] = {
	[GT_LAUNCH_KERNEL]		= "cuLaunchKernel",
	[GT_LAUNCH_KERNEL_PTSZ]		= "cuLaunchKernel_ptsz",
	[GT_LAUNCH_KERNEL_EX]		= "cuLaunchKernelEx",
	[GT_LAUNCH_KERNEL_EX_PTSZ]	= "cuLaunchKernelEx_ptsz",
	[GT_LAUNCH_COOPERATIVE]		= "cuLaunchCooperativeKernel",
	[GT_LAUNCH_COOPERATIVE_PTSZ]	= "cuLaunchCooperativeKernel_ptsz",
	[GT_GRAPH_LAUNCH]		= "cuGraphLaunch",
	[GT_GRAPH_LAUNCH_PTSZ]		= "cuGraphLaunch_ptsz",
	[GT_STREAM_SYNC]		= "cuStreamSynchronize",
	[GT_CTX_SYNC]			= "cuCtxSynchronize",
	[GT_EVENT_SYNC]			= "cuEventSynchronize",
	[GT_CALIBRATE]			= "calibration",
};

const char *gt_api_name(unsigned int api)
{
	return api < GT_API_COUNT ? api_names[api] : "?";
}

__u64 gt_slot_lo(unsigned int slot)
{
	unsigned int octave;

	if (slot < GT_SUB)
		return slot;
	/* slot = (log2 - SUB_BITS + 1) * SUB + sub: undo gt_slot(). */
	octave = slot / GT_SUB - 1;
	return (__u64)(GT_SUB + slot % GT_SUB) << octave;
}

__u64 gt_slot_hi(unsigned int slot)
{
	if (slot < GT_SUB)
		return slot + 1;
	if (slot >= GT_SLOTS - 1)
		return ~0ULL;	/* the last bucket also holds everything above */
	return gt_slot_lo(slot) + (1ULL << (slot / GT_SUB - 1));
}

__u64 gt_hist_total(const __u64 *slots)
{
	__u64 n = 0;
	unsigned int i;

	for (i = 0; i < GT_SLOTS; i++)
		n += slots[i];
	return n;
}

__u64 gt_hist_percentile(const __u64 *slots, double p)
{
	__u64 total = gt_hist_total(slots), seen = 0, rank, lo, hi;
	double exact;
	unsigned int i;

	if (!total)
		return 0;
	if (p < 0)
		p = 0;
	if (p > 100)
		p = 100;
	/* The rank-th smallest value (1-based), nearest-rank definition. */
	exact = p / 100.0 * total;
	rank = (__u64)exact;
	if (rank < exact)
		rank++;
	if (rank < 1)
		rank = 1;
	for (i = 0; i < GT_SLOTS; i++) {
		if (!slots[i] || seen + slots[i] < rank) {
			seen += slots[i];
			continue;
		}
		lo = gt_slot_lo(i);
		hi = i == GT_SLOTS - 1 ? lo * 2 : gt_slot_hi(i);
		/*
		 * Values spread evenly over [lo, hi): the k-th of n sits in the
		 * middle of its n-th share, at (k - 1/2) / n.
		 */
		return lo + (__u64)((hi - lo) * ((rank - seen - 0.5) / slots[i]));
	}
	return gt_slot_lo(GT_SLOTS - 1);
}
