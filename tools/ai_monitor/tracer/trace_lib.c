// SPDX-License-Identifier: GPL-2.0
/*
 * trace_lib.c - load bpf/gpu_tracer.bpf.c, attach it to the files
 * trace_targets.c finds, read it.
 *
 * The BPF side keeps cumulative histograms per (process, API); a sample is
 * the difference from the previous read, so nothing is lost between reads
 * and no lock is shared with the probes.
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

static double now_s(struct timespec *ts)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	return ts->tv_sec + ts->tv_nsec / 1e9;
}

double gt_now_s(void)
{
	struct timespec ts;

	return now_s(&ts);
}

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
int gt_calib_emulated(int x) __attribute__((visibility("hidden")));
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
	struct timespec ts;
	volatile int sink = 0;
	double t0;
	int i;

	t0 = now_s(&ts);
	for (i = 0; i < n; i++)
		sink += fn(i);
	return now_s(&ts) - t0;
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

/* Attaches what was found so far; @what names it in a failure. */
static int attach_found(struct gt_tracer *t, char *err, size_t errlen)
{
	size_t i;
	int ret;

	for (i = 0; i < t->ntargets; i++) {
		ret = gt_target_attach(t, &t->targets[i]);
		if (ret) {
			gt_say(err, errlen, "cannot attach to %s: %s", t->targets[i].path,
			       strerror(-ret));
			return ret;
		}
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
	char lib[PATH_MAX];
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
	if (!gt_find_libcuda(0, lib, sizeof(lib), NULL, 0))
		add_loader_lib(lib, t);
	gt_find_loader_libs("libcudart.so", add_loader_lib, t);
	gt_find_loader_libs("libamdhip64.so", add_loader_lib, t);
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
	t->watch = !opts->lib && t->pid < 0;
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
	/* Exec events first: a program started while we look is not missed. */
	if (t->watch) {
		ret = gt_targets_watch(t);
		if (ret) {
			gt_say(err, errlen, "cannot watch for new processes: %s", strerror(-ret));
			goto fail;
		}
	}
	ret = find_targets(t, opts, err, errlen);
	if (ret)
		goto fail;
	ret = attach_found(t, err, errlen);
	if (ret)
		goto fail;
	if (opts->calibrate) {
		ret = gt_tracer_calibrate(t);
		if (ret) {
			gt_say(err, errlen, "cannot calibrate the tracer's cost: %s",
			       strerror(-ret));
			goto fail;
		}
	}
	t->next_scan = gt_now_s() + 1;
	now_s(&t->last);
	gt_duty_start(t);
	*tp = t;
	return 0;
fail:
	gt_tracer_close(t);
	return ret;
}

void gt_tracer_close(struct gt_tracer *t)
{
	struct gt_links *calib[2];

	if (!t)
		return;
	gt_detach_all(t);
	calib[0] = &t->calib[0];
	calib[1] = &t->calib[1];
	gt_links_detach(calib, 2);
	gt_targets_free(t);
	gpu_tracer__destroy(t->skel);
	free(t->acct);
	free(t->prev);
	free(t);
}

double gt_tracer_service(struct gt_tracer *t)
{
	double now, wait;

	if (t->execs)
		ring_buffer__consume(t->execs);
	wait = gt_duty_step(t, gt_now_s());
	now = gt_now_s();
	if (now >= t->next_scan) {
		gt_targets_scan(t, t->pid > 0 ? t->pid : 0);
		now = gt_now_s();
		t->next_scan = now + 1;
	}
	if (wait > t->next_scan - now)
		wait = t->next_scan - now;
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

static int row_cmp(const void *a, const void *b)
{
	const struct gt_row *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return (x->api > y->api) - (x->api < y->api);
}

static bool process_gone(pid_t pid)
{
	return kill(pid, 0) && errno == ESRCH;
}

/*
 * Reads every histogram of the map, sorted; *n set to the number read.
 * Whether a process is gone is decided before its histogram is read: a
 * process seen dead first cannot add to it after the read, so deleting it
 * once reported loses nothing.
 */
static int read_all(struct gt_tracer *t, struct gt_row **out, size_t *n)
{
	int fd = bpf_map__fd(t->skel->maps.hists);
	struct gt_key key, next, *prev = NULL;
	struct gt_row *rows = NULL, *r;
	struct gt_hist h;
	size_t cap = 0, len = 0;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		bool gone;

		key = next;
		prev = &key;
		gone = process_gone(key.tgid);
		if (bpf_map_lookup_elem(fd, &key, &h))
			continue;	/* deleted meanwhile */
		if (key.api >= GT_CALIBRATE)
			continue;
		if (len == cap) {
			cap = cap ? cap * 2 : 64;
			r = realloc(rows, cap * sizeof(*rows));
			if (!r) {
				free(rows);
				return -ENOMEM;
			}
			rows = r;
		}
		r = &rows[len++];
		r->pid = key.tgid;
		r->api = key.api;
		r->gone = gone;
		memcpy(r->comm, h.comm, sizeof(r->comm));
		r->comm[sizeof(r->comm) - 1] = '\0';
		r->sum_ns = h.sum_ns;
		r->errors = h.errors;
		memcpy(r->slots, h.slots, sizeof(r->slots));
		/* The slots are the truth: count is bumped separately. */
		r->count = gt_hist_total(r->slots);
	}
	if (len)
		qsort(rows, len, sizeof(*rows), row_cmp);
	*out = rows;
	*n = len;
	return 0;
}

static __u64 sub(__u64 a, __u64 b)
{
	return a >= b ? a - b : a;
}

static int acct_cmp(const void *a, const void *b)
{
	const struct gt_acct *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return (x->api > y->api) - (x->api < y->api);
}

static const struct gt_acct *acct_of(const struct gt_tracer *t, __u32 pid, __u32 api)
{
	struct gt_acct key = { .pid = pid, .api = api };

	return t->nacct ? bsearch(&key, t->acct, t->nacct, sizeof(key), acct_cmp) : NULL;
}

static double at_least(double v, double floor)
{
	return v > floor ? v : floor;
}

void gt_duty_account(struct gt_tracer *t, double scale)
{
	struct gt_row *cur;
	struct gt_acct *acct;
	size_t n, i;

	if (read_all(t, &cur, &n))
		return;		/* these calls go with the next window instead */
	acct = n ? calloc(n, sizeof(*acct)) : NULL;
	if (n && !acct) {
		free(cur);
		return;
	}
	for (i = 0; i < n; i++) {
		const struct gt_acct *old = acct_of(t, cur[i].pid, cur[i].api);

		/* A histogram that went backwards was recreated: all of it is new. */
		if (old && (cur[i].count < old->count || cur[i].errors < old->errors))
			old = NULL;
		acct[i].pid = cur[i].pid;
		acct[i].api = cur[i].api;
		acct[i].count = cur[i].count;
		acct[i].errors = cur[i].errors;
		acct[i].est = (old ? old->est : 0) + (cur[i].count - (old ? old->count : 0)) * scale;
		acct[i].est_errors = (old ? old->est_errors : 0) +
				     (cur[i].errors - (old ? old->errors : 0)) * scale;
	}
	free(cur);
	free(t->acct);
	t->acct = acct;	/* read_all() sorts by (pid, api), as acct_cmp() does */
	t->nacct = n;
	t->acct_scale = scale;
}

/*
 * A row's estimate of all its calls so far. Always on, its count. Duty
 * cycled, what the window starts so far accounted; for a process that has
 * exited since (or before a last sample), its calls since then too, at the
 * last window's scale. *settled: nothing of it is left to account.
 */
static void estimate_row(const struct gt_tracer *t, const struct gt_row *r,
			 double *est, double *est_errors, bool *settled)
{
	const struct gt_acct *a;
	double sc = t->acct_scale > 0 ? t->acct_scale : gt_duty_scale(t, gt_now_s());
	__u64 n = 0, e = 0;

	*settled = true;
	if (!t->duty_period_ms) {
		*est = r->count;
		*est_errors = r->errors;
		return;
	}
	a = acct_of(t, r->pid, r->api);
	if (a && (r->count < a->count || r->errors < a->errors))
		a = NULL;
	*est = a ? a->est : 0;
	*est_errors = a ? a->est_errors : 0;
	n = r->count - (a ? a->count : 0);
	e = r->errors - (a ? a->errors : 0);
	if (!n && !e)
		return;
	*settled = false;
	if (r->gone || t->settle) {
		*est += n * sc;
		*est_errors += e * sc;
		*settled = true;
	}
}

int gt_tracer_sample(struct gt_tracer *t, struct gt_sample *s)
{
	struct gt_drops d = t->skel->bss->drops;	/* racy read of counters: fine */
	struct gt_row *cur, *out;
	size_t ncur, nout = 0, i, keep = 0;
	struct timespec ts;
	unsigned int k;
	int err;

	memset(s, 0, sizeof(*s));
	s->interval_s = now_s(&ts) - (t->last.tv_sec + t->last.tv_nsec / 1e9);
	t->last = ts;
	s->scale = gt_duty_scale(t, ts.tv_sec + ts.tv_nsec / 1e9);
	s->window_s = gt_duty_take_window(t, ts.tv_sec + ts.tv_nsec / 1e9);
	if (!t->duty_period_ms)
		s->window_s = s->interval_s;
	err = read_all(t, &cur, &ncur);
	if (err)
		return err;
	out = ncur ? calloc(ncur, sizeof(*out)) : NULL;
	if (ncur && !out) {
		free(cur);
		return -ENOMEM;
	}
	for (i = 0; i < ncur; i++) {
		const struct gt_row *p = bsearch(&cur[i], t->prev, t->nprev,
						 sizeof(*t->prev), row_cmp);
		struct gt_row *o = &out[nout];

		double before = 0, err_before = 0;
		bool settled;

		*o = cur[i];
		/* A histogram that went backwards was recreated: all of it is new. */
		if (p && cur[i].count >= p->count) {
			o->count -= p->count;
			o->sum_ns = sub(o->sum_ns, p->sum_ns);
			o->errors = sub(o->errors, p->errors);
			for (k = 0; k < GT_SLOTS; k++)
				o->slots[k] = sub(o->slots[k], p->slots[k]);
			before = p->est_total;
			err_before = p->est_err_total;
		}
		estimate_row(t, &cur[i], &cur[i].est_total, &cur[i].est_err_total, &settled);
		cur[i].est_total = at_least(cur[i].est_total, before);
		cur[i].est_err_total = at_least(cur[i].est_err_total, err_before);
		o->est_total = cur[i].est_total;
		o->est_err_total = cur[i].est_err_total;
		o->est = cur[i].est_total - before;
		o->est_errors = cur[i].est_err_total - err_before;
		if (o->count || o->est >= 0.5)
			nout++;
		if (cur[i].gone && settled) {
			struct gt_key key = { .tgid = cur[i].pid, .api = cur[i].api };

			/* Reported for the last time above. */
			bpf_map__delete_elem(t->skel->maps.hists, &key, sizeof(key), 0);
			continue;
		}
		cur[keep++] = cur[i];
	}
	free(t->prev);
	t->prev = cur;
	t->nprev = keep;

	s->drops.overwritten = sub(d.overwritten, t->prev_drops.overwritten);
	s->drops.no_start = sub(d.no_start, t->prev_drops.no_start);
	s->drops.start_full = sub(d.start_full, t->prev_drops.start_full);
	s->drops.hist_full = sub(d.hist_full, t->prev_drops.hist_full);
	s->dropped = s->drops.overwritten + s->drops.no_start + s->drops.start_full +
		     s->drops.hist_full;
	t->prev_drops = d;
	s->rows = out;
	s->nrows = nout;
	return 0;
}

void gt_tracer_settle(struct gt_tracer *t)
{
	t->settle = true;
}

void gt_sample_free(struct gt_sample *s)
{
	free(s->rows);
	s->rows = NULL;
	s->nrows = 0;
}
