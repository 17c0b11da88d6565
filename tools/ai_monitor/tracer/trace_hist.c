// SPDX-License-Identifier: GPL-2.0
/*
 * trace_hist.c - bucket bounds and percentiles of the tracer's histograms.
 *
 * The bucket index is computed by gt_slot() in bpf/gpu_tracer.h, shared
 * with the BPF program; this is its inverse, plus the statistics on top.
 */
#include <math.h>

#include "trace_lib.h"

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

/* The rank-th smallest value (1-based), spread evenly inside its bucket. */
static __u64 value_at_rank(const __u64 *slots, __u64 rank)
{
	__u64 seen = 0, lo, hi;
	unsigned int i;

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

static __u64 clamp_rank(double r, __u64 total)
{
	if (r < 1)
		return 1;
	if (r > total)
		return total;
	return (__u64)r;
}

__u64 gt_hist_percentile(const __u64 *slots, double p)
{
	__u64 total = gt_hist_total(slots), rank;
	double exact;

	if (!total)
		return 0;
	if (p < 0)
		p = 0;
	if (p > 100)
		p = 100;
	/* Nearest-rank definition. */
	exact = p / 100.0 * total;
	rank = (__u64)exact;
	if (rank < exact)
		rank++;
	return value_at_rank(slots, clamp_rank(rank, total));
}

/*
 * A sampled percentile's 95% confidence interval, free of any assumption
 * on the distribution: among n samples the number below the true p-th
 * percentile is Binomial(n, p), so the ranks n p -/+ 1.96 sqrt(n p (1 - p))
 * (normal approximation, widened by one rank each side for the
 * discreteness) bracket it 95% of the time. Only the sampling error: a
 * bucket's own width (at most 25%) comes on top.
 */
void gt_hist_percentile_ci(const __u64 *slots, double p, __u64 *lo, __u64 *hi)
{
	__u64 total = gt_hist_total(slots);
	double q, half, rlo, rhi;

	*lo = *hi = 0;
	if (!total)
		return;
	q = (p < 0 ? 0 : p > 100 ? 100 : p) / 100.0;
	half = 1.96 * sqrt(total * q * (1 - q)) + 1;
	rlo = floor(total * q - half);
	rhi = ceil(total * q + half);
	/*
	 * A rank outside the sample: the data cannot bound that side (p99 of
	 * ten calls). Below, latencies start at 0; above, nothing is known.
	 */
	*lo = rlo < 1 ? 0 : value_at_rank(slots, clamp_rank(rlo, total));
	*hi = rhi > total ? GT_UNBOUNDED : value_at_rank(slots, clamp_rank(rhi, total));
}
