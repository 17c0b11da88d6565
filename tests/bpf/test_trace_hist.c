// SPDX-License-Identifier: GPL-2.0
/*
 * test_trace_hist - the tracer's histogram math, without a kernel:
 * gt_slot() (shared with the BPF program), its inverse, percentiles and
 * their sampling intervals; and the table of traced functions.
 */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "trace_lib.h"

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return (x > y) - (x < y);
}

static unsigned int slot_dist(__u64 a, __u64 b)
{
	unsigned int x = gt_slot(a), y = gt_slot(b);

	return x > y ? x - y : y - x;
}

/* Percentiles of @n random values drawn by @draw, against the exact ones. */
static void check_percentiles(const char *name, __u64 (*draw)(void), int n)
{
	static const double ps[] = { 50, 95, 99 };
	__u64 slots[GT_SLOTS] = { 0 }, *v = calloc(n, sizeof(*v));
	unsigned int i, worst = 0;
	int k;

	if (!v)
		return;
	for (k = 0; k < n; k++) {
		v[k] = draw();
		slots[gt_slot(v[k])]++;
	}
	qsort(v, n, sizeof(*v), cmp_u64);
	for (i = 0; i < 3; i++) {
		/* nearest rank: the ceil(p/100 * n)-th smallest value */
		__u64 exact = v[(int)((ps[i] * n + 99) / 100) - 1];
		__u64 est = gt_hist_percentile(slots, ps[i]);
		unsigned int d = slot_dist(exact, est);

		if (d > worst)
			worst = d;
		if (d > 0)
			diag("%s p%.0f: exact %llu, estimate %llu", name, ps[i], exact, est);
	}
	ok(worst == 0, "%s: p50/p95/p99 land in the bucket of the exact value", name);
	free(v);
}

static __u64 uniform_us(void)
{
	return 1000 + (__u64)random() % 99000;
}

static __u64 bimodal(void)
{
	/* Mostly fast enqueues, some calls stuck behind a full queue. */
	return random() % 10 ? 4000 + random() % 1000 : 2000000 + random() % 500000;
}

static __u64 log_uniform(void)
{
	return 1ULL << (random() % 36) | (__u64)random() % 1024;
}

/*
 * The 95% interval of a sampled percentile: draw @rounds samples of @n from
 * a known distribution and count how often the interval holds the true
 * percentile (the bucket the exact value falls in, as buckets are the
 * resolution). It should hold about 95% of the time; the bucket's width
 * only widens it, so at least 90% is asked.
 */
static void check_ci(const char *name, __u64 (*draw)(void), __u64 truth, double p, int n)
{
	int rounds = 200, held = 0, r, i;
	__u64 lo, hi, lo_big, hi_big;

	for (r = 0; r < rounds; r++) {
		__u64 slots[GT_SLOTS] = { 0 };

		for (i = 0; i < n; i++)
			slots[gt_slot(draw())]++;
		gt_hist_percentile_ci(slots, p, &lo, &hi);
		held += lo <= gt_slot_hi(gt_slot(truth)) && hi >= gt_slot_lo(gt_slot(truth));
	}
	ok(held >= rounds * 0.9, "%s: p%.0f's 95%% interval holds it in %d of %d samples of %d",
	   name, p, held, rounds, n);
	/* And it narrows as the sample grows. */
	{
		__u64 slots[GT_SLOTS] = { 0 };

		for (i = 0; i < n * 100; i++)
			slots[gt_slot(draw())]++;
		gt_hist_percentile_ci(slots, p, &lo_big, &hi_big);
		ok(hi_big - lo_big <= hi - lo, "%s: 100x the sample, interval %llu-%llu ns (was %llu-%llu)",
		   name, lo_big, hi_big, lo, hi);
	}
}

static void check_apis(void)
{
	unsigned int api, other, layers[GT_LAYERS] = { 0 };
	bool names_ok = true, kinds_ok = true;

	for (api = 0; api < GT_CALIBRATE; api++) {
		const char *n = gt_api_name(api);

		if (!n || gt_api_layer(api) >= GT_LAYERS ||
		    strncmp(n, gt_api_layer(api) == GT_LAYER_HIP ? "hip" :
			    gt_api_layer(api) == GT_LAYER_RUNTIME ? "cuda" : "cu", 2))
			names_ok = false;
		if (gt_api_is_sync(api) == gt_api_is_launch(api))
			kinds_ok = false;
		for (other = 0; other < api; other++)
			if (!strcmp(gt_api_symbol(api), gt_api_symbol(other)))
				names_ok = false;
		layers[gt_api_layer(api) < GT_LAYERS ? gt_api_layer(api) : 0]++;
	}
	ok(names_ok, "every traced function has a unique symbol and a layer that fits its name");
	ok(kinds_ok, "every traced function is a launch or a sync, not both");
	ok(layers[GT_LAYER_DRIVER] == 11 && layers[GT_LAYER_RUNTIME] == 12 && layers[GT_LAYER_HIP] == 12,
	   "11 driver, 12 runtime and 12 HIP functions");
	is_int(!!gt_api_is_sync(GT_RT_DEVICE_SYNC), 1, "cudaDeviceSynchronize is a sync");
	is_int(!!gt_api_is_launch(GT_HIP_EXT_MODULE_LAUNCH_KERNEL), 1,
	       "hipExtModuleLaunchKernel is a launch");
	ok(!strncmp(gt_api_symbol(GT_HIP_EXT_MODULE_LAUNCH_KERNEL), "_Z24", 4),
	   "hipExtModuleLaunchKernel is looked up by its mangled name");
	is_int(gt_api_layer(GT_CALIBRATE), GT_LAYERS, "calibration has no layer");
}

int main(void)
{
	__u64 slots[GT_SLOTS] = { 0 };
	unsigned int i, bad = 0;
	__u64 v;

	/* Every bucket is the inverse of gt_slot(), and buckets tile [0, inf). */
	for (i = 0; i < GT_SLOTS; i++) {
		if (gt_slot(gt_slot_lo(i)) != i ||
		    (i < GT_SLOTS - 1 && gt_slot(gt_slot_hi(i) - 1) != i) ||
		    (i < GT_SLOTS - 1 && gt_slot_hi(i) != gt_slot_lo(i + 1))) {
			diag("bucket %u: [%llu, %llu)", i, gt_slot_lo(i), gt_slot_hi(i));
			bad++;
		}
	}
	ok(!bad, "%u buckets: contiguous, each the inverse of gt_slot()", GT_SLOTS);
	is_int(gt_slot_lo(0), 0, "first bucket starts at 0 ns");
	for (v = 1, bad = 0; v && v < (1ULL << 40); v = v * 3 / 2 + 1)
		if (gt_slot_lo(gt_slot(v)) > v || gt_slot_hi(gt_slot(v)) <= v)
			bad++;
	ok(!bad, "every value lies inside its bucket");
	for (v = 8, bad = 0; v < (1ULL << 39); v *= 2)
		if (gt_slot_hi(gt_slot(v)) - gt_slot_lo(gt_slot(v)) > v / GT_SUB)
			bad++;
	ok(!bad, "a bucket spans at most 1/%u of its lower bound", GT_SUB);
	ok(gt_slot(4000) != gt_slot(6000), "4 us and 6 us fall in different buckets");
	ok(gt_slot(4000) != gt_slot(5000) && gt_slot(5000) != gt_slot(6000),
	   "so do 4, 5 and 6 us");
	is_int(gt_slot(~0ULL), GT_SLOTS - 1, "the largest value goes to the last bucket");
	is_int(gt_slot(1ULL << 50), GT_SLOTS - 1, "2^50 ns too");
	for (i = 0, bad = 0; i < 64; i++)
		if (gt_log2(1ULL << i) != i || (i > 1 && gt_log2((1ULL << i) - 1) != i - 1))
			bad++;
	ok(!bad, "gt_log2 is floor(log2)");

	is_int(gt_hist_percentile(slots, 50), 0, "empty histogram: p50 is 0");
	slots[gt_slot(5000)] = 1;
	v = gt_hist_percentile(slots, 50);
	ok(gt_slot(v) == gt_slot(5000), "one value: p50 in its bucket (%llu)", v);
	is_int(gt_hist_total(slots), 1, "total counts the values");
	slots[gt_slot(5000)] = 0;
	slots[gt_slot(1000)] = 90;
	slots[gt_slot(1000000)] = 10;
	ok(gt_slot(gt_hist_percentile(slots, 50)) == gt_slot(1000), "90/10: p50 is the fast mode");
	ok(gt_slot(gt_hist_percentile(slots, 90)) == gt_slot(1000), "90/10: p90 is the fast mode");
	ok(gt_slot(gt_hist_percentile(slots, 95)) == gt_slot(1000000),
	   "90/10: p95 is the slow mode");
	ok(gt_hist_percentile(slots, 100) < gt_slot_hi(gt_slot(1000000)),
	   "p100 stays inside the last bucket");

	srandom(42);
	check_percentiles("uniform 1-100 us", uniform_us, 10000);
	check_percentiles("bimodal 4 us / 2 ms", bimodal, 10000);
	check_percentiles("log-uniform 1 ns - 64 s", log_uniform, 10000);

	is_int(!!gt_api_is_sync(GT_STREAM_SYNC), 1, "cuStreamSynchronize is a sync");
	is_int(!!gt_api_is_sync(GT_GRAPH_LAUNCH_PTSZ), 0, "cuGraphLaunch_ptsz is a launch");
	is_int(!!gt_api_is_sync(GT_CALIBRATE), 0, "calibration is neither");
	is_int(!!gt_api_is_launch(GT_CALIBRATE), 0, "calibration is no launch either");

	check_ci("uniform 1-100 us", uniform_us, 50500, 50, 200);
	check_ci("uniform 1-100 us", uniform_us, 95050, 95, 200);
	check_ci("uniform 1-100 us", uniform_us, 99010, 99, 200);
	check_ci("uniform 1-100 us", uniform_us, 99010, 99, 10);
	{
		__u64 ten[GT_SLOTS] = { 0 }, lo, hi;

		ten[gt_slot(5000)] = 10;
		gt_hist_percentile_ci(ten, 99, &lo, &hi);
		ok(hi == GT_UNBOUNDED, "p99 of ten calls: no upper bound claimed");
	}
	check_apis();
	return tap_done();
}
