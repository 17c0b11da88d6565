// SPDX-License-Identifier: GPL-2.0
/*
 * trace_calib.c - what tracing a call costs, measured on functions of our
 * own, and charged to each traced function by the kind of instruction its
 * probe sits on.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "trace_priv.h"		/* before the skeleton: it defines the types */
#include "gpu_tracer.skel.h"

/*
 * Our own cost per traced call, measured: time a function of ours with and
 * without the same probe pair on it. What a probe costs depends on the
 * first instruction of the function: x86 emulates a push, call, jmp or nop
 * in the kernel, and single-steps anything else out of line, which takes
 * one more trap. So there are two targets, one of each kind, and each
 * traced function is charged the cost of its kind.
 */
__asm__(
"	.pushsection .text\n"
"	.globl gt_calib_emulated\n"
"	.hidden gt_calib_emulated\n"
"	.type gt_calib_emulated, @function\n"
"gt_calib_emulated:\n"
"	push %rbx\n"
"	lea 1(%rdi), %eax\n"
"	pop %rbx\n"
"	ret\n"
"	.size gt_calib_emulated, . - gt_calib_emulated\n"
"	.type gt_calib_stepped, @function\n"
"gt_calib_stepped:\n"
"	lea 1(%rdi), %eax\n"
"	ret\n"
"	.size gt_calib_stepped, . - gt_calib_stepped\n"
"	.popsection\n");
int gt_calib_stepped(int x) __attribute__((visibility("hidden")));

long gt_self_offset(const void *addr)
{
	unsigned long a = (unsigned long)addr, s, e, off;
	char line[512];
	long ret = -ENOENT;
	FILE *f;

	f = fopen("/proc/self/maps", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %*s %lx", &s, &e, &off) == 3 && a >= s && a < e) {
			ret = a - s + off;
			break;
		}
	fclose(f);
	return ret;
}

static double time_calls(int (*volatile fn)(int), int n)
{
	volatile int sink = 0;
	double t0;
	int i;

	t0 = gt_now_s();
	for (i = 0; i < n; i++)
		sink += fn(i);
	return gt_now_s() - t0;
}

#define CALIB_CALLS	100
#define CALIB_ROUNDS	3

/* ns per call that tracing adds to @fn; the minimum over a few rounds. */
static int calibrate_one(struct gt_tracer *t, int (*fn)(int), struct gt_links *links,
			 double *cost)
{
	struct gt_key key = { .tgid = getpid(), .api = GT_CALIBRATE };
	double base = 1e9, traced = 1e9, d;
	long off;
	int i, err;

	off = gt_self_offset((const void *)fn);
	if (off < 0)
		return off;
	for (i = 0; i < CALIB_ROUNDS; i++) {
		d = time_calls(fn, CALIB_CALLS);
		base = d < base ? d : base;
	}
	{
		long offs[GT_API_COUNT] = { [GT_CALIBRATE] = off };

		err = gt_links_attach(t, links, "/proc/self/exe", getpid(), offs,
				      1ULL << GT_CALIBRATE);
	}
	if (err)
		return err;
	for (i = 0; i < CALIB_ROUNDS; i++) {
		d = time_calls(fn, CALIB_CALLS);
		traced = d < traced ? d : traced;
	}
	/*
	 * The probes stay until gt_tracer_close(): detaching a uprobe waits
	 * for an RCU grace period (~70 ms here), which start-up need not pay.
	 */
	bpf_map__delete_elem(t->skel->maps.hists, &key, sizeof(key), 0);
	*cost = (traced - base) * 1e9 / CALIB_CALLS;
	if (*cost < 0)
		*cost = 0;
	return 0;
}

/* Whether @api's probe sits on an emulated instruction in every file it is in. */
static bool api_emulated(const struct gt_tracer *t, unsigned int api)
{
	size_t i;

	for (i = 0; i < t->ntargets; i++)
		if ((t->targets[i].apis >> api & 1) && !(t->targets[i].emulated >> api & 1))
			return false;
	return true;
}

int gt_tracer_calibrate(struct gt_tracer *t)
{
	double emulated, stepped;
	unsigned int api;
	int err;

	err = calibrate_one(t, gt_calib_emulated, &t->calib[0], &emulated);
	if (!err)
		err = calibrate_one(t, gt_calib_stepped, &t->calib[1], &stepped);
	if (err)
		return err;
	if (t->verbose)
		fprintf(stderr, "calibration: %.0f ns per call probed on an emulated instruction, %.0f ns on a single-stepped one\n",
			emulated, stepped);
	t->overhead_ns = 0;
	for (api = 0; api < GT_CALIBRATE; api++) {
		if (!gt_tracer_has_api(t, api))
			continue;
		t->api_overhead_ns[api] = api_emulated(t, api) ? emulated : stepped;
		if (t->api_overhead_ns[api] > t->overhead_ns)
			t->overhead_ns = t->api_overhead_ns[api];
	}
	return 0;
}

