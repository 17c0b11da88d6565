// SPDX-License-Identifier: GPL-2.0
/*
 * trace_lib.c - load bpf/gpu_tracer.bpf.c, attach it to libcuda, read it.
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

#include "trace_lib.h"		/* before the skeleton: it defines the types */
#include "gpu_tracer.skel.h"

struct gt_tracer {
	struct gpu_tracer *skel;
	struct bpf_link *links[GT_API_COUNT][2];	/* entry, return */
	char lib[PATH_MAX];
	pid_t pid;
	unsigned int apis;		/* bit per traced enum gt_api */
	unsigned int emulated;		/* bit per API whose probed insn is emulated */
	size_t skip[GT_API_COUNT];	/* bytes from function entry to its probe */
	struct bpf_link *calib_links[2][2];	/* on our own two calibration targets */
	bool verbose;
	double overhead_ns;		/* the most any traced function costs */
	double api_overhead_ns[GT_API_COUNT];
	struct gt_row *prev;		/* cumulative at the last sample, sorted */
	size_t nprev;
	struct gt_drops prev_drops;
	struct timespec last;
};

static bool libbpf_verbose;

static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!libbpf_verbose || level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void say(char *err, size_t len, const char *fmt, ...)
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

static int attach_pair(struct gt_tracer *t, unsigned int api, pid_t pid,
		       const char *path, long off, struct bpf_link **links)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .bpf_cookie = api);
	int err;

	links[0] = bpf_program__attach_uprobe_opts(t->skel->progs.gt_enter, pid,
						   path, off, &uo);
	if (!links[0])
		return -errno;
	uo.retprobe = true;
	links[1] = bpf_program__attach_uprobe_opts(t->skel->progs.gt_exit, pid,
						   path, off, &uo);
	if (!links[1]) {
		err = -errno;
		bpf_link__destroy(links[0]);
		links[0] = NULL;
		return err;
	}
	return 0;
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

static long self_offset(const void *addr)
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
static int calibrate_one(struct gt_tracer *t, int (*fn)(int), struct bpf_link **links,
			 double *cost)
{
	struct gt_key key = { .tgid = getpid(), .api = GT_CALIBRATE };
	double base = 1e9, traced = 1e9, d;
	long off;
	int i, err;

	off = self_offset((const void *)fn);
	if (off < 0)
		return off;
	for (i = 0; i < CALIB_ROUNDS; i++) {
		d = time_calls(fn, CALIB_CALLS);
		base = d < base ? d : base;
	}
	err = attach_pair(t, GT_CALIBRATE, getpid(), "/proc/self/exe", off, links);
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

int gt_tracer_calibrate(struct gt_tracer *t)
{
	double emulated, stepped;
	unsigned int api;
	int err;

	err = calibrate_one(t, gt_calib_emulated, t->calib_links[0], &emulated);
	if (!err)
		err = calibrate_one(t, gt_calib_stepped, t->calib_links[1], &stepped);
	if (err)
		return err;
	if (t->verbose)
		fprintf(stderr, "calibration: %.0f ns per call probed on an emulated instruction, %.0f ns on a single-stepped one\n",
			emulated, stepped);
	t->overhead_ns = 0;
	for (api = 0; api < GT_CALIBRATE; api++) {
		if (!gt_tracer_has_api(t, api))
			continue;
		t->api_overhead_ns[api] = t->emulated & (1U << api) ? emulated : stepped;
		if (t->api_overhead_ns[api] > t->overhead_ns)
			t->overhead_ns = t->api_overhead_ns[api];
	}
	return 0;
}

/*
 * Where to probe the function at file offset @off: on its first instruction,
 * or a little later on one the kernel emulates (gt_probe_offset()). Records which
 * kind the probed instruction is, for the cost calibration.
 */
static long place_probe(struct gt_tracer *t, unsigned int api, long off)
{
	unsigned char code[32];
	ssize_t n;
	int fd;

	fd = open(t->lib, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return off;
	n = pread(fd, code, sizeof(code), off);
	close(fd);
	if (n <= 0)
		return off;
	t->skip[api] = gt_probe_offset(code, n);
	if (gt_insn_emulated(code + t->skip[api], n - t->skip[api]))
		t->emulated |= 1U << api;
	return off + t->skip[api];
}

int gt_tracer_open(struct gt_tracer **tp, const struct gt_opts *opts,
		   char *err, size_t errlen)
{
	const char *names[GT_CALIBRATE];
	long offs[GT_CALIBRATE];
	struct gt_tracer *t;
	unsigned int api;
	int ret;

	*tp = NULL;
	t = calloc(1, sizeof(*t));
	if (!t) {
		say(err, errlen, "out of memory");
		return -ENOMEM;
	}
	t->overhead_ns = -1;
	t->pid = opts->pid > 0 ? opts->pid : -1;
	t->verbose = opts->verbose;
	if (opts->lib) {
		if (access(opts->lib, R_OK)) {
			ret = -errno;
			say(err, errlen, "%s: %s", opts->lib, strerror(-ret));
			goto fail;
		}
		snprintf(t->lib, sizeof(t->lib), "%s", opts->lib);
	} else {
		ret = gt_find_libcuda(opts->pid, t->lib, sizeof(t->lib), err, errlen);
		if (ret)
			goto fail;
	}

	libbpf_verbose = opts->verbose;
	libbpf_set_print(print_libbpf);
	t->skel = gpu_tracer__open();
	if (!t->skel) {
		ret = -errno;
		say(err, errlen, "cannot open the BPF tracer: %s", strerror(-ret));
		goto fail;
	}
	if (t->pid > 0)
		t->skel->rodata->targ_tgid = t->pid;
	t->skel->rodata->self_tgid = getpid();
	ret = gpu_tracer__load(t->skel);
	if (ret) {
		ret = ret < 0 ? ret : -EINVAL;
		say(err, errlen, "cannot load the BPF tracer: %s%s", strerror(-ret),
		    ret == -EPERM ? " (needs root: CAP_BPF and CAP_PERFMON)" : "");
		goto fail;
	}

	for (api = 0; api < GT_CALIBRATE; api++)
		names[api] = gt_api_name(api);
	ret = gt_elf_func_offsets(t->lib, names, offs, GT_CALIBRATE);
	if (ret) {
		say(err, errlen, "%s: cannot read its symbols: %s", t->lib,
		    ret == -ENOEXEC ? "not an ELF file" : strerror(-ret));
		goto fail;
	}
	for (api = 0; api < GT_CALIBRATE; api++) {
		long off = offs[api];

		if (off == -ENOENT)
			continue;	/* not every driver version exports every variant */
		if (off < 0) {
			ret = off;
			say(err, errlen, "%s: %s is not in an executable segment", t->lib,
			    names[api]);
			goto fail;
		}
		off = place_probe(t, api, off);
		ret = attach_pair(t, api, t->pid, t->lib, off, t->links[api]);
		if (ret) {
			say(err, errlen, "cannot attach to %s in %s: %s", gt_api_name(api),
			    t->lib, strerror(-ret));
			goto fail;
		}
		t->apis |= 1U << api;
		if (opts->verbose)
			fprintf(stderr, "%s: probe at file offset 0x%lx (+%zu), %s\n",
				gt_api_name(api), off, t->skip[api],
				t->emulated & (1U << api) ? "emulated" : "single-stepped");
	}
	if (!t->apis) {
		ret = -ENOENT;
		say(err, errlen, "%s exports none of the CUDA launch or sync functions", t->lib);
		goto fail;
	}
	if (opts->calibrate) {
		ret = gt_tracer_calibrate(t);
		if (ret) {
			say(err, errlen, "cannot calibrate the tracer's cost: %s", strerror(-ret));
			goto fail;
		}
	}
	now_s(&t->last);
	*tp = t;
	return 0;
fail:
	gt_tracer_close(t);
	return ret;
}

static void *destroy_pair(void *arg)
{
	struct bpf_link **links = arg;

	bpf_link__destroy(links[1]);
	bpf_link__destroy(links[0]);
	return NULL;
}

/*
 * Detaching a uprobe waits for RCU grace periods (~70 ms each here): one
 * thread per probe pair lets those waits overlap, so ending takes about
 * one wait instead of 26 in a row. Where a thread cannot be had, the pair
 * is detached in line.
 */
static void destroy_links(struct gt_tracer *t)
{
	struct bpf_link **pairs[GT_API_COUNT + 2];
	pthread_t tid[GT_API_COUNT + 2];
	bool started[GT_API_COUNT + 2] = { false };
	unsigned int i, n = 0;

	for (i = 0; i < GT_API_COUNT; i++)
		pairs[n++] = t->links[i];
	pairs[n++] = t->calib_links[0];
	pairs[n++] = t->calib_links[1];
	for (i = 0; i < n; i++) {
		if (!pairs[i][0] && !pairs[i][1])
			continue;
		started[i] = !pthread_create(&tid[i], NULL, destroy_pair, pairs[i]);
		if (!started[i])
			destroy_pair(pairs[i]);
	}
	for (i = 0; i < n; i++)
		if (started[i])
			pthread_join(tid[i], NULL);
}

void gt_tracer_close(struct gt_tracer *t)
{
	if (!t)
		return;
	destroy_links(t);
	gpu_tracer__destroy(t->skel);
	free(t->prev);
	free(t);
}

const char *gt_tracer_lib(const struct gt_tracer *t)
{
	return t->lib;
}

bool gt_tracer_has_api(const struct gt_tracer *t, unsigned int api)
{
	return api < GT_API_COUNT && (t->apis & (1U << api));
}

unsigned int gt_tracer_napis(const struct gt_tracer *t)
{
	return __builtin_popcount(t->apis);
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

		*o = cur[i];
		/* A histogram that went backwards was recreated: all of it is new. */
		if (p && cur[i].count >= p->count) {
			o->count -= p->count;
			o->sum_ns = sub(o->sum_ns, p->sum_ns);
			o->errors = sub(o->errors, p->errors);
			for (k = 0; k < GT_SLOTS; k++)
				o->slots[k] = sub(o->slots[k], p->slots[k]);
		}
		if (o->count)
			nout++;
		if (cur[i].gone) {
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

void gt_sample_free(struct gt_sample *s)
{
	free(s->rows);
	s->rows = NULL;
	s->nrows = 0;
}
