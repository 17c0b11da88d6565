// SPDX-License-Identifier: GPL-2.0
/*
 * trace.c - `ai_monitor trace`: CPU-side GPU launch latency per process.
 *
 * Prints, every interval, one histogram per (process, traced function) in
 * the style of bcc/libbpf-tools, or one JSON object per interval. The
 * functions are the CUDA driver's, the CUDA runtime's and HIP's (each row
 * says its layer); where both CUDA layers see a process, what share of
 * the runtime's launches reached the driver's probes.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ai_monitor.h"
#include "snapshot.h"
#include "trace_lib.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static const char trace_usage[] =
	"usage: ai_monitor trace [--lib PATH] [-p PID] [-i SECONDS] [-d SECONDS]\n"
	"                        [--duty ON_MS/PERIOD_MS] [--json]\n"
	"\n"
	"Histograms of the time threads spend inside GPU launch calls and, separately,\n"
	"blocked in synchronize calls, per process, from eBPF uprobes, in three layers:\n"
	"the CUDA driver (libcuda.so.1: cuLaunchKernel[Ex], cuLaunchCooperativeKernel,\n"
	"cuGraphLaunch, their _ptsz variants, cuStreamSynchronize, cuCtxSynchronize,\n"
	"cuEventSynchronize), the CUDA runtime (libcudart.so.*, or the copy nvcc links\n"
	"into a program: cudaLaunchKernel[ExC], cudaLaunchCooperativeKernel,\n"
	"cudaGraphLaunch, _ptsz variants, cudaStreamSynchronize, cudaDeviceSynchronize,\n"
	"cudaEventSynchronize) and HIP (libamdhip64.so.*: hipLaunchKernel,\n"
	"hipModuleLaunchKernel, hipExtModuleLaunchKernel, hipLaunchCooperativeKernel,\n"
	"hipGraphLaunch, hipStreamSynchronize, hipDeviceSynchronize,\n"
	"hipEventSynchronize). Programs started later are found as they exec.\n"
	"A launch is asynchronous: this is CPU-side launch latency (enqueue plus\n"
	"back-pressure), not the kernel's execution time.\n"
	"\n"
	"  -l, --lib PATH      trace this one file (a libcuda, libcudart, libamdhip64\n"
	"                      or a program); default: what the dynamic loader would\n"
	"                      pick, what processes have mapped, and new processes\n"
	"  -p, --pid PID       trace only this process (the files it has mapped)\n"
	"      --duty ON/PER   probes attached ON ms of every PER ms (say 100/1000):\n"
	"                      counts scaled up, with 95% error bars\n"
	"  -i, --interval SEC  print every SEC seconds (default 1)\n"
	"  -d, --duration SEC  stop after SEC seconds (default: until SIGINT/SIGTERM)\n"
	"  -j, --json          one JSON object per interval instead of histograms\n"
	"  -v, --verbose       libbpf's messages\n"
	"  -h, --help          this text\n";

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0) || v > 86400 * 365)
		return -EINVAL;
	*out = v;
	return 0;
}

static bool sampled(const struct gt_sample *s)
{
	return s->duty;
}

/* A row's estimate of all its calls, and the estimate's 95% interval. */
struct estimate {
	double n, lo, hi;
};

/*
 * Duty cycled, the row's estimate (gt_row.est) stands for the n calls seen
 * behind it times their scale. Treating arrivals as independent of the window's phase
 * (Poisson), n has a standard error of sqrt(n), so the 95% interval is the
 * estimate -/+ 1.96 sqrt(n) x scale, never below the n actually seen. A
 * rate locked to the period (a job that wakes every PERIOD ms) breaks that
 * assumption; docs/gpu_tracer.md says so.
 */
static struct estimate estimate(const struct gt_row *r, const struct gt_sample *s)
{
	const struct gt_est *x = &r->est;
	struct estimate e = { x->calls, x->calls, x->calls };
	double half;

	if (!sampled(s) || !x->seen)
		return e;
	half = 1.96 * sqrt((double)x->seen) * x->calls / x->seen;
	e.lo = x->calls - half < x->seen ? x->seen : x->calls - half;
	e.hi = x->calls + half;
	return e;
}


static void print_json_str(const char *c)
{
	putchar('"');
	for (; *c; c++) {
		/* comm is arbitrary bytes the process chose. */
		if (*c == '"' || *c == '\\')
			printf("\\%c", *c);
		else if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
			printf("\\u%04x", (unsigned char)*c);
		else
			putchar(*c);
	}
	putchar('"');
}

static void print_json_rows(const struct gt_tracer *t, const struct gt_sample *s,
			    bool sync)
{
	static const double pct[] = { 50, 95, 99 };
	bool first = true;
	size_t i;
	unsigned int k;

	for (i = 0; i < s->nrows; i++) {
		const struct gt_row *r = &s->rows[i];
		struct estimate e = estimate(r, s);
		bool firstb = true;
		__u64 lo, hi;

		if (gt_api_is_sync(r->api) != sync)
			continue;
		printf("%s{\"pid\":%u,\"comm\":", first ? "" : ",", r->pid);
		print_json_str(r->comm);
		printf(",\"layer\":\"%s\",\"api\":\"%s\",\"launches\":%.0f,\"rate_per_s\":%.1f,"
		       "\"errors\":%.0f,", gt_layer_name(gt_api_layer(r->api)), gt_api_name(r->api),
		       e.n, s->interval_s > 0 ? e.n / s->interval_s : 0.0, r->est.errors);
		/* Duty cycled, a row may estimate calls and have none sampled. */
		if (r->count)
			printf("\"mean_ns\":%llu,\"p50_ns\":%llu,\"p95_ns\":%llu,\"p99_ns\":%llu,",
			       r->sum_ns / r->count, gt_hist_percentile(r->slots, 50),
			       gt_hist_percentile(r->slots, 95), gt_hist_percentile(r->slots, 99));
		else
			printf("\"mean_ns\":null,\"p50_ns\":null,\"p95_ns\":null,\"p99_ns\":null,");
		printf("\"overhead_ns\":%.0f,", gt_tracer_api_overhead_ns(t, r->api));
		if (sampled(s) && !r->count) {
			printf("\"sampled\":0,\"launches_ci95\":[%.0f,%.0f],", e.lo, e.hi);
		} else if (sampled(s)) {
			printf("\"sampled\":%llu,\"launches_ci95\":[%.0f,%.0f],", r->count, e.lo,
			       e.hi);
			for (k = 0; k < 3; k++) {
				gt_hist_percentile_ci(r->slots, pct[k], &lo, &hi);
				/* null: too few calls sampled to bound it from above */
				if (hi == GT_UNBOUNDED)
					printf("\"p%.0f_ci95_ns\":[%llu,null],", pct[k], lo);
				else
					printf("\"p%.0f_ci95_ns\":[%llu,%llu],", pct[k], lo, hi);
			}
		}
		printf("\"histogram\":[");
		for (k = 0; k < GT_SLOTS; k++) {
			if (!r->slots[k])
				continue;
			printf("%s{\"lo_ns\":%llu,\"hi_ns\":%llu,\"count\":%llu}",
			       firstb ? "" : ",", gt_slot_lo(k), gt_slot_hi(k), r->slots[k]);
			firstb = false;
		}
		printf("]}");
		first = false;
	}
}

/* Launches of @pid through @layer in this sample (sampled, not scaled). */
static __u64 launches_of(const struct gt_sample *s, __u32 pid, unsigned int layer)
{
	__u64 n = 0;
	size_t i;

	for (i = 0; i < s->nrows; i++)
		if (s->rows[i].pid == pid && gt_api_is_launch(s->rows[i].api) &&
		    gt_api_layer(s->rows[i].api) == layer)
			n += s->rows[i].count;
	return n;
}

/*
 * For each process whose runtime launched, how many launches the driver's
 * probes saw: on a real GPU each cudaLaunchKernel reaches the driver once,
 * through a pointer from cuGetProcAddress, so a share well below 1 means
 * the driver layer alone would miss work (docs/gpu_tracer.md).
 * @each(pid, runtime, driver) is called once per such process.
 */
static void cross_check(const struct gt_sample *s,
			void (*each)(__u32 pid, __u64 rt, __u64 drv, bool first))
{
	bool first = true;
	size_t i;

	for (i = 0; i < s->nrows; i++) {
		__u32 pid = s->rows[i].pid;
		__u64 rt;

		if (i && s->rows[i - 1].pid == pid)
			continue;	/* rows are sorted by pid */
		rt = launches_of(s, pid, GT_LAYER_RUNTIME);
		if (!rt)
			continue;
		each(pid, rt, launches_of(s, pid, GT_LAYER_DRIVER), first);
		first = false;
	}
}

static void json_cross(__u32 pid, __u64 rt, __u64 drv, bool first)
{
	printf("%s{\"pid\":%u,\"runtime_launches\":%llu,\"driver_launches\":%llu,"
	       "\"driver_share\":%.4f}", first ? "" : ",", pid, rt, drv, (double)drv / rt);
}

static void text_cross(__u32 pid, __u64 rt, __u64 drv, bool first)
{
	printf("pid %u: the driver's probes saw %llu of the runtime's %llu launches (%.1f%%)\n",
	       pid, drv, rt, 100.0 * drv / rt);
}

static void print_json(const struct gt_tracer *t, const struct gt_sample *s)
{
	printf("{\"interval_s\":%.3f,\"time\":%lld,\"overhead_ns\":%.0f,",
	       s->interval_s, (long long)time(NULL), gt_tracer_overhead_ns(t));
	if (sampled(s)) {
		double att, det;

		gt_tracer_toggle_ms(t, &att, &det);
		printf("\"duty\":{\"window_s\":%.4f,\"scale\":%.4f,\"attach_ms\":%.2f,"
		       "\"detach_ms\":%.2f},", s->window_s, s->scale, att, det);
	}
	printf("\"processes\":[");
	print_json_rows(t, s, false);
	printf("],\"sync\":[");
	print_json_rows(t, s, true);
	printf("],\"cross_check\":[");
	cross_check(s, json_cross);
	printf("],\"dropped\":%llu,\"drops\":{\"overwritten\":%llu,\"no_start\":%llu,"
	       "\"start_full\":%llu,\"hist_full\":%llu}}\n",
	       s->dropped, s->drops.overwritten, s->drops.no_start,
	       s->drops.start_full, s->drops.hist_full);
}

static void print_ns(char *buf, size_t len, __u64 ns)
{
	if (ns < 10000)
		snprintf(buf, len, "%llu ns", ns);
	else if (ns < 10000000)
		snprintf(buf, len, "%.1f us", ns / 1e3);
	else
		snprintf(buf, len, "%.1f ms", ns / 1e6);
}

#define BAR_WIDTH 40

/* One bcc-style histogram: "lo -> hi : count |****|", empty ends trimmed. */
static void print_hist(const __u64 *slots)
{
	unsigned int first = GT_SLOTS, last = 0, k, j, stars;
	char bar[BAR_WIDTH + 1];
	__u64 max = 0;

	for (k = 0; k < GT_SLOTS; k++) {
		if (!slots[k])
			continue;
		if (first == GT_SLOTS)
			first = k;
		last = k;
		if (slots[k] > max)
			max = slots[k];
	}
	if (!max)
		return;
	printf("%24s : count    distribution\n", "ns");
	for (k = first; k <= last; k++) {
		stars = (unsigned int)(slots[k] * BAR_WIDTH / max);
		for (j = 0; j < BAR_WIDTH; j++)
			bar[j] = j < stars ? '*' : ' ';
		bar[BAR_WIDTH] = '\0';
		if (k == GT_SLOTS - 1)
			printf("%10llu -> %-10s : %-8llu |%s|\n", gt_slot_lo(k), "inf",
			       slots[k], bar);
		else
			printf("%10llu -> %-10llu : %-8llu |%s|\n", gt_slot_lo(k),
			       gt_slot_hi(k) - 1, slots[k], bar);
	}
}

/* Duty cycled: each percentile's 95% interval, from the calls sampled. */
static void print_ci(const __u64 *slots)
{
	static const double pct[] = { 50, 95, 99 };
	char lo[16], hi[16];
	unsigned int k;
	__u64 l, h;

	printf("  95%% intervals:");
	for (k = 0; k < 3; k++) {
		gt_hist_percentile_ci(slots, pct[k], &l, &h);
		print_ns(lo, sizeof(lo), l);
		if (h == GT_UNBOUNDED)
			snprintf(hi, sizeof(hi), "?");
		else
			print_ns(hi, sizeof(hi), h);
		printf(" p%.0f %s-%s%s", pct[k], lo, hi, k < 2 ? "," : "\n");
	}
}

static void print_text(const struct gt_tracer *t, const struct gt_sample *s)
{
	char tm[16], p50[16], p95[16], p99[16];
	time_t now = time(NULL);
	size_t i;

	strftime(tm, sizeof(tm), "%H:%M:%S", localtime(&now));
	printf("%s  interval %.2f s, dropped %llu", tm, s->interval_s, s->dropped);
	if (s->dropped)
		printf(" (overwritten %llu, no start %llu, starts full %llu, hists full %llu)",
		       s->drops.overwritten, s->drops.no_start, s->drops.start_full,
		       s->drops.hist_full);
	if (sampled(s))
		printf(", sampled %.3f s (counts x%.2f)", s->window_s, s->scale);
	printf("%s\n", s->nrows ? "" : ", no calls");
	for (i = 0; i < s->nrows; i++) {
		const struct gt_row *r = &s->rows[i];
		struct estimate e = estimate(r, s);

		if (!r->count) {
			/* Duty cycled: estimated for this interval, none seen in it. */
			printf("\npid %u (%s) %s %s: ~%.0f %s estimated, none sampled in this interval\n",
			       r->pid, r->comm, gt_layer_name(gt_api_layer(r->api)),
			       gt_api_name(r->api), e.n,
			       gt_api_is_sync(r->api) ? "syncs" : "launches");
			continue;
		}
		print_ns(p50, sizeof(p50), gt_hist_percentile(r->slots, 50));
		print_ns(p95, sizeof(p95), gt_hist_percentile(r->slots, 95));
		print_ns(p99, sizeof(p99), gt_hist_percentile(r->slots, 99));
		printf("\npid %u (%s) %s %s: %s%.0f %s", r->pid, r->comm,
		       gt_layer_name(gt_api_layer(r->api)), gt_api_name(r->api),
		       sampled(s) ? "~" : "", e.n,
		       gt_api_is_sync(r->api) ? "syncs (time blocked)" : "launches");
		if (sampled(s) && r->est.seen)
			printf(" (95%%: %.0f-%.0f; %llu seen in this interval)", e.lo, e.hi, r->count);
		else if (sampled(s))
			printf(" (%llu seen in this interval: estimated at the next window)",
			       r->count);
		printf(", %.1f/s, p50 %s, p95 %s, p99 %s",
		       s->interval_s > 0 ? e.n / s->interval_s : 0.0, p50, p95, p99);
		if (r->est.errors >= 0.5)
			printf(", %.0f failed", r->est.errors);
		printf("\n");
		if (sampled(s) && r->count)
			print_ci(r->slots);
		print_hist(r->slots);
	}
	cross_check(s, text_cross);
	printf("\n");
}

/*
 * Waits @sec seconds, the tracer doing its work meanwhile; true, early, on
 * SIGINT/SIGTERM. In short steps: a signal that lands while the tracer is
 * attaching or detaching probes interrupts no wait of ours.
 */
static bool wait_for(struct gt_tracer *t, double sec)
{
	double end = now_mono() + sec, left;

	while (!stop && (left = end - now_mono()) > 0)
		gt_tracer_poll(t, left < 0.2 ? left : 0.2);
	return stop;
}

/* One line per probed file: which layers it has, and how many functions. */
static void print_files(const struct gt_tracer *t)
{
	const char *path;
	unsigned int api, n;
	size_t i;
	__u64 apis;

	for (i = 0; (path = gt_tracer_file(t, i, &apis)); i++) {
		bool layer[GT_LAYERS] = { false };

		for (n = 0, api = 0; api < GT_CALIBRATE; api++)
			if (apis >> api & 1) {
				layer[gt_api_layer(api)] = true;
				n++;
			}
		fprintf(stderr, "  %s: %u functions,", path, n);
		for (api = 0; api < GT_LAYERS; api++)
			if (layer[api])
				fprintf(stderr, " %s", gt_layer_name(api));
		fprintf(stderr, "\n");
	}
}

int cmd_trace(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "lib", required_argument, NULL, 'l' },
		{ "pid", required_argument, NULL, 'p' },
		{ "interval", required_argument, NULL, 'i' },
		{ "duration", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "duty", required_argument, NULL, 'D' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct gt_opts opts = { .pid = -1 };
	double interval = 1, duration = 0, left;
	struct sigaction sa = { .sa_handler = on_signal };
	struct gt_tracer *t;
	struct gt_sample s;
	bool json = false;
	char err[PATH_MAX + 256];
	long pid;
	int c, ret;

	while ((c = getopt_long(argc, argv, "l:p:i:d:jvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			opts.lib = optarg;
			break;
		case 'p':
			if (parse_int(optarg, 1, INT_MAX, &pid))
				return usage_error("trace", trace_usage, "bad pid '%s'", optarg);
			opts.pid = pid;
			break;
		case 'i':
		case 'd':
			if (parse_seconds(optarg, c == 'i' ? &interval : &duration))
				return usage_error("trace", trace_usage,
						   "bad number of seconds '%s'", optarg);
			break;
		case 'j':
			json = true;
			break;
		case 'D':
			if (gt_parse_duty(optarg, &opts.duty_on_ms, &opts.duty_period_ms))
				return usage_error("trace", trace_usage,
						   "bad duty cycle '%s' (ON_MS/PERIOD_MS)", optarg);
			break;
		case 'v':
			opts.verbose = true;
			break;
		case 'h':
			fputs(trace_usage, stdout);
			return 0;
		default:
			return usage_error("trace", trace_usage, NULL);
		}
	}
	if (optind < argc)
		return usage_error("trace", trace_usage, "unexpected argument '%s'", argv[optind]);

	/* Installed before attaching, so a signal during start-up is not fatal. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	ret = gt_tracer_open(&t, &opts, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "ai_monitor trace: %s\n", err);
		return 1;
	}
	/* Printed as soon as the probes are live: scripts wait for this line. */
	fprintf(stderr, "Tracing %u functions in %zu files, ", gt_tracer_napis(t),
		gt_tracer_nfiles(t));
	if (opts.pid > 0)
		fprintf(stderr, "process %d.\n", opts.pid);
	else if (gt_tracer_watching(t))
		fprintf(stderr, "all processes, and programs started later.\n");
	else
		fprintf(stderr, "all processes.\n");
	print_files(t);
	if (opts.verbose)
		fprintf(stderr, "Probes on %s.\n", gt_tracer_multi(t) ?
			"multi-uprobe links, two per file" : "a perf-event link pair per function");
	if (opts.verbose && gt_tracer_watching(t)) {
		size_t files;
		double ms = gt_tracer_scan_ms(t, &files);

		fprintf(stderr, "Looked at %zu mapped files of all processes in %.1f ms.\n",
			files, ms);
	}
	if (opts.duty_period_ms)
		fprintf(stderr, "Duty cycle: probes attached %u ms of every %u ms; counts are "
			"scaled up, with 95%% intervals.\n", opts.duty_on_ms, opts.duty_period_ms);
	ret = gt_tracer_calibrate(t);
	if (ret)
		fprintf(stderr, "ai_monitor trace: cannot measure our own cost: %s\n",
			strerror(-ret));
	else
		fprintf(stderr, "Measured cost: up to %.0f ns per traced call, included in the "
			"latencies shown.\n", gt_tracer_overhead_ns(t));
	fprintf(stderr, "CPU-side launch latency (enqueue + driver back-pressure), not GPU "
		"execution time.%s\n", duration ? "" : " Ctrl-C ends.");

	left = duration;
	for (;;) {
		double step = interval;
		bool last;

		if (duration && left < step)
			step = left;
		last = wait_for(t, step);
		left -= step;
		if (duration && left <= 1e-9)
			last = true;
		if (last)
			gt_tracer_settle(t);
		ret = gt_tracer_sample(t, &s);
		if (ret) {
			fprintf(stderr, "ai_monitor trace: reading the histograms: %s\n",
				strerror(-ret));
			break;
		}
		if (json)
			print_json(t, &s);
		else
			print_text(t, &s);
		fflush(stdout);
		gt_sample_free(&s);
		if (last)
			break;
	}
	if (opts.verbose && gt_tracer_watching(t))
		fprintf(stderr, "The last /proc scan took %.1f ms; %llu exec events lost.\n",
			gt_tracer_scan_ms(t, NULL), gt_tracer_exec_lost(t));
	gt_tracer_close(t);
	return ret ? 1 : 0;
}
