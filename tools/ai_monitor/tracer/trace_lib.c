// SPDX-License-Identifier: GPL-2.0
/*
 * trace_lib.c - load bpf/gpu_tracer.bpf.c, attach it to the files
 * trace_targets.c finds, keep it running (new processes, duty windows),
 * and what the tracer can say about itself. Calibration is in
 * trace_calib.c, reading the histograms in trace_sample.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "trace_priv.h"		/* before the skeleton: it defines the types */
#include "gpu_tracer.skel.h"

static bool libbpf_verbose;

static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!libbpf_verbose || level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void gt_say(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

double gt_now_ts(struct timespec *ts)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	return ts->tv_sec + ts->tv_nsec / 1e9;
}

double gt_now_s(void)
{
	struct timespec ts;

	return gt_now_ts(&ts);
}

/*
 * Attaches what was found so far. A file named with --lib, or of the -p
 * process, must attach; one found on the system that cannot (an odd
 * binary) is passed over, as files found later are, rather than keep the
 * rest untraced.
 */
static int attach_found(struct gt_tracer *t, bool must, char *err, size_t errlen)
{
	size_t i;
	int ret;

	for (i = 0; i < t->ntargets; i++) {
		ret = gt_target_attach(t, &t->targets[i]);
		if (!ret)
			continue;
		if (must) {
			gt_say(err, errlen, "cannot attach to %s: %s", t->targets[i].path,
			       strerror(-ret));
			return ret;
		}
		fprintf(stderr, "cannot attach to %s: %s; passed over\n", t->targets[i].path,
			strerror(-ret));
	}
	t->attached = true;
	return 0;
}

static void add_loader_lib(const char *path, void *arg)
{
	struct gt_tracer *t = arg;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		gt_target_add(t, fd, path);
}

/* What to trace at start: one file, one process's files, or everything visible. */
static int find_targets(struct gt_tracer *t, const struct gt_opts *opts, char *err,
			size_t errlen)
{
	int fd, ret;

	if (opts->lib) {
		fd = open(opts->lib, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			ret = -errno;
			gt_say(err, errlen, "%s: %s", opts->lib, strerror(-ret));
			return ret;
		}
		if (!gt_is_our_elf(fd)) {
			close(fd);
			gt_say(err, errlen, "%s: cannot read its symbols: not an ELF file",
			       opts->lib);
			return -ENOEXEC;
		}
		ret = gt_target_add(t, fd, opts->lib);
		if (ret < 0) {
			gt_say(err, errlen, "%s: cannot read its symbols: %s", opts->lib,
			       strerror(-ret));
			return ret;
		}
		if (!t->ntargets) {
			gt_say(err, errlen, "%s exports none of the CUDA or HIP launch or sync functions",
			       opts->lib);
			return -ENOENT;
		}
		return 0;
	}
	if (t->pid > 0) {
		gt_targets_scan(t, t->pid);
		if (!t->ntargets) {
			gt_say(err, errlen,
			       "process %d has mapped no libcuda, libcudart or libamdhip64, nor a program with the CUDA runtime linked in",
			       t->pid);
			return kill(t->pid, 0) && errno == ESRCH ? -ESRCH : -ENOENT;
		}
		return 0;
	}
	gt_find_loader_libs("libcuda.so.1", add_loader_lib, t);
	gt_find_loader_libs("libcudart.so", add_loader_lib, t);
	gt_find_loader_libs("libamdhip64.so", add_loader_lib, t);
	if (!opts->dry_run)
		gt_targets_scan(t, 0);
	return 0;
}

/* Opens and loads the skeleton, with the multi-uprobe programs or without. */
static int load(struct gt_tracer *t, bool multi)
{
	int ret;

	gpu_tracer__destroy(t->skel);
	t->skel = gpu_tracer__open();
	if (!t->skel)
		return errno ? -errno : -ENOMEM;
	if (t->pid > 0)
		t->skel->rodata->targ_tgid = t->pid;
	t->skel->rodata->self_tgid = getpid();
	t->skel->rodata->duty = t->duty_period_ms > 0;
	if (multi)
		ret = gt_links_prepare(t->skel);
	else
		gt_links_no_multi(t->skel), ret = 0;
	if (!ret)
		ret = gpu_tracer__load(t->skel);
	if (ret)
		return ret < 0 ? ret : -EINVAL;
	t->multi = multi && gt_links_probe_multi(t, (const void *)gt_calib_emulated);
	return 0;
}

int gt_tracer_open(struct gt_tracer **tp, const struct gt_opts *opts,
		   char *err, size_t errlen)
{
	struct gt_tracer *t;
	int ret;

	*tp = NULL;
	if (opts->duty_period_ms &&
	    (!opts->duty_on_ms || opts->duty_on_ms > opts->duty_period_ms)) {
		gt_say(err, errlen, "a duty cycle needs 0 < ON_MS <= PERIOD_MS");
		return -EINVAL;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		gt_say(err, errlen, "out of memory");
		return -ENOMEM;
	}
	t->overhead_ns = -1;
	t->pid = opts->pid > 0 ? opts->pid : -1;
	t->verbose = opts->verbose;
	t->watch = !opts->lib && t->pid < 0 && !opts->dry_run;
	if (opts->duty_on_ms < opts->duty_period_ms) {
		t->duty_on_ms = opts->duty_on_ms;
		t->duty_period_ms = opts->duty_period_ms;
	}

	gt_links_init(&t->calib[0]);
	gt_links_init(&t->calib[1]);
	libbpf_verbose = opts->verbose;
	libbpf_set_print(print_libbpf);
	ret = load(t, true);
	if (ret && t->skel)
		ret = load(t, false);	/* a kernel that refuses the multi programs */
	if (ret && !t->skel) {
		gt_say(err, errlen, "cannot open the BPF tracer: %s", strerror(-ret));
		goto fail;
	}
	if (ret) {
		ret = ret < 0 ? ret : -EINVAL;
		gt_say(err, errlen, "cannot load the BPF tracer: %s%s", strerror(-ret),
		       ret == -EPERM ? " (needs root: CAP_BPF and CAP_PERFMON)" : "");
		goto fail;
	}
	/* Duty cycled: nothing counts until the first window is open. */
	if (t->duty_period_ms)
		t->skel->bss->paused = 1;
	/* Exec events first: a program started while we look is not missed. */
	if (t->watch) {
		ret = gt_targets_watch(t);
		if (ret) {
			gt_say(err, errlen, "cannot watch for new processes: %s", strerror(-ret));
			goto fail;
		}
	}
	ret = find_targets(t, opts, err, errlen);
	if (ret || opts->dry_run)
		goto out;
	ret = attach_found(t, opts->lib || t->pid > 0, err, errlen);
	if (ret)
		goto fail;
	/* Duty cycled, the first window opens here, with every probe live. */
	gt_duty_start(t);
	if (opts->calibrate) {
		ret = gt_tracer_calibrate(t);
		if (ret) {
			gt_say(err, errlen, "cannot calibrate the tracer's cost: %s",
			       strerror(-ret));
			goto fail;
		}
	}
	t->next_scan = gt_now_s() + 1;
	gt_now_ts(&t->last);
out:
	if (ret)
		goto fail;
	*tp = t;
	return 0;
fail:
	gt_tracer_close(t);
	return ret;
}

void gt_tracer_close(struct gt_tracer *t)
{
	struct gt_links **sets;
	size_t i, n = 0;

	if (!t)
		return;
	/* Every link in one go: their grace periods overlap. */
	sets = calloc(t->ntargets + 2, sizeof(*sets));
	if (sets) {
		for (i = 0; i < t->ntargets; i++)
			sets[n++] = &t->targets[i].links;
		sets[n++] = &t->calib[0];
		sets[n++] = &t->calib[1];
		gt_links_detach(sets, n);
		free(sets);
	} else {
		struct gt_links *calib[2] = { &t->calib[0], &t->calib[1] };

		gt_detach_all(t);
		gt_links_detach(calib, 2);
	}
	gt_targets_free(t);
	gpu_tracer__destroy(t->skel);
	free(t->acct);
	free(t->prev);
	free(t);
}

double gt_tracer_service(struct gt_tracer *t)
{
	double now, wait;

	bool scans = t->watch || t->pid > 0;	/* --lib is that file alone */

	if (t->execs)
		ring_buffer__consume(t->execs);
	if (scans && gt_now_s() >= t->next_scan) {
		gt_targets_scan(t, t->pid > 0 ? t->pid : 0);
		t->next_scan = gt_now_s() + 1;
	}
	/* After the scan, so that its time does not stretch a window. */
	wait = gt_duty_step(t, gt_now_s());
	now = gt_now_s();
	if (scans && wait > t->next_scan - now)
		wait = t->next_scan - now;
	if (wait > 1)
		wait = 1;
	return wait > 0 ? wait : 0;
}

int gt_tracer_poll(struct gt_tracer *t, double seconds)
{
	double end = gt_now_s() + seconds, now, wait;
	struct timespec ts;

	for (;;) {
		wait = gt_tracer_service(t);
		now = gt_now_s();
		if (now >= end)
			return 0;
		if (wait > end - now)
			wait = end - now;
		if (t->execs) {
			/* Exec events are handled as they come. */
			if (ring_buffer__poll(t->execs, (int)(wait * 1e3) + 1) == -EINTR)
				return -EINTR;
			continue;
		}
		ts.tv_sec = (time_t)wait;
		ts.tv_nsec = (long)((wait - (time_t)wait) * 1e9);
		if (nanosleep(&ts, NULL) && errno == EINTR)
			return -EINTR;
	}
}

size_t gt_tracer_nfiles(const struct gt_tracer *t)
{
	return t->ntargets;
}

const char *gt_tracer_file(const struct gt_tracer *t, size_t i, __u64 *apis)
{
	if (i >= t->ntargets)
		return NULL;
	if (apis)
		*apis = t->targets[i].apis;
	return t->targets[i].path;
}

__u64 gt_tracer_exec_lost(const struct gt_tracer *t)
{
	return t->skel->bss->exec_lost;
}

bool gt_tracer_multi(const struct gt_tracer *t)
{
	return t->multi;
}

bool gt_tracer_watching(const struct gt_tracer *t)
{
	return t->watch;
}

double gt_tracer_scan_ms(const struct gt_tracer *t, size_t *files)
{
	if (files)
		*files = t->scanned_files;
	return t->scan_ms;
}

void gt_tracer_toggle_ms(const struct gt_tracer *t, double *attach_ms, double *detach_ms)
{
	*attach_ms = t->attach_ms;
	*detach_ms = t->detach_ms;
}

const char *gt_tracer_lib(const struct gt_tracer *t)
{
	size_t i;

	for (i = 0; i < t->ntargets; i++)
		if (t->targets[i].apis >> GT_LAUNCH_KERNEL & 1)
			return t->targets[i].path;
	return "";
}

static __u64 all_apis(const struct gt_tracer *t)
{
	__u64 apis = 0;
	size_t i;

	for (i = 0; i < t->ntargets; i++)
		apis |= t->targets[i].apis;
	return apis;
}

bool gt_tracer_has_api(const struct gt_tracer *t, unsigned int api)
{
	return api < GT_API_COUNT && (all_apis(t) >> api & 1);
}

unsigned int gt_tracer_napis(const struct gt_tracer *t)
{
	return __builtin_popcountll(all_apis(t));
}

double gt_tracer_overhead_ns(const struct gt_tracer *t)
{
	return t->overhead_ns;
}

double gt_tracer_api_overhead_ns(const struct gt_tracer *t, unsigned int api)
{
	return gt_tracer_has_api(t, api) && t->overhead_ns >= 0 ?
	       t->api_overhead_ns[api] : -1;
}
