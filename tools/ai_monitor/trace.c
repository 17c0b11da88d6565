// SPDX-License-Identifier: GPL-2.0
/*
 * trace.c - `ai_monitor trace`: CPU-side CUDA launch latency per process.
 *
 * Prints, every interval, one histogram per (process, driver function) in
 * the style of bcc/libbpf-tools, or one JSON object per interval.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
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
	"usage: ai_monitor trace [--lib PATH] [-p PID] [-i SECONDS] [-d SECONDS] [--json]\n"
	"\n"
	"Histograms of the time threads spend inside the CUDA driver's launch calls\n"
	"(cuLaunchKernel, cuLaunchKernelEx, cuLaunchCooperativeKernel, cuGraphLaunch\n"
	"and their _ptsz variants) and, separately, blocked in cuStreamSynchronize,\n"
	"cuCtxSynchronize and cuEventSynchronize, per process, from eBPF uprobes on\n"
	"libcuda.so.1. A launch is asynchronous: this is CPU-side launch latency\n"
	"(enqueue plus driver back-pressure), not the kernel's execution time.\n"
	"\n"
	"  -l, --lib PATH      the libcuda.so.1 to trace (default: the one the dynamic\n"
	"                      loader would pick, or the one PID has mapped)\n"
	"  -p, --pid PID       trace only this process\n"
	"  -i, --interval SEC  print every SEC seconds (default 1)\n"
	"  -d, --duration SEC  stop after SEC seconds (default: until SIGINT/SIGTERM)\n"
	"  -j, --json          one JSON object per interval instead of histograms\n"
	"  -v, --verbose       libbpf's messages\n"
	"  -h, --help          this text\n";

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

static void print_json_rows(const struct gt_tracer *t, const struct gt_sample *s,
			    bool sync)
{
	bool first = true;
	size_t i;
	unsigned int k;

	for (i = 0; i < s->nrows; i++) {
		const struct gt_row *r = &s->rows[i];
		bool firstb = true;
		const char *c;

		if (gt_api_is_sync(r->api) != sync)
			continue;
		printf("%s{\"pid\":%u,\"comm\":\"", first ? "" : ",", r->pid);
		for (c = r->comm; *c; c++) {
			/* comm is arbitrary bytes the process chose. */
			if (*c == '"' || *c == '\\')
				printf("\\%c", *c);
			else if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
				printf("\\u%04x", (unsigned char)*c);
			else
				putchar(*c);
		}
		printf("\",\"api\":\"%s\",\"launches\":%llu,\"rate_per_s\":%.1f,"
		       "\"errors\":%llu,\"mean_ns\":%llu,\"p50_ns\":%llu,\"p95_ns\":%llu,"
		       "\"p99_ns\":%llu,\"overhead_ns\":%.0f,\"histogram\":[",
		       gt_api_name(r->api), r->count,
		       s->interval_s > 0 ? r->count / s->interval_s : 0.0, r->errors,
		       r->sum_ns / r->count,
		       gt_hist_percentile(r->slots, 50), gt_hist_percentile(r->slots, 95),
		       gt_hist_percentile(r->slots, 99), gt_tracer_api_overhead_ns(t, r->api));
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

static void print_json(const struct gt_tracer *t, const struct gt_sample *s)
{
	printf("{\"interval_s\":%.3f,\"time\":%lld,\"overhead_ns\":%.0f,\"processes\":[",
	       s->interval_s, (long long)time(NULL), gt_tracer_overhead_ns(t));
	print_json_rows(t, s, false);
	printf("],\"sync\":[");
	print_json_rows(t, s, true);
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
	printf("%s\n", s->nrows ? "" : ", no calls");
	for (i = 0; i < s->nrows; i++) {
		const struct gt_row *r = &s->rows[i];

		print_ns(p50, sizeof(p50), gt_hist_percentile(r->slots, 50));
		print_ns(p95, sizeof(p95), gt_hist_percentile(r->slots, 95));
		print_ns(p99, sizeof(p99), gt_hist_percentile(r->slots, 99));
		printf("\npid %u (%s) %s: %llu %s, %.1f/s, p50 %s, p95 %s, p99 %s",
		       r->pid, r->comm, gt_api_name(r->api), r->count,
		       gt_api_is_sync(r->api) ? "syncs (time blocked)" : "launches",
		       s->interval_s > 0 ? r->count / s->interval_s : 0.0, p50, p95, p99);
		if (r->errors)
			printf(", %llu failed", r->errors);
		printf("\n");
		print_hist(r->slots);
	}
	printf("\n");
}

/* Sleeps up to @sec seconds; returns early (true) on SIGINT/SIGTERM. */
static bool pause_for(double sec)
{
	struct timespec ts = {
		.tv_sec = (time_t)sec,
		.tv_nsec = (long)((sec - (time_t)sec) * 1e9),
	};

	while (!stop && nanosleep(&ts, &ts) && errno == EINTR)
		;
	return stop;
}

int cmd_trace(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "lib", required_argument, NULL, 'l' },
		{ "pid", required_argument, NULL, 'p' },
		{ "interval", required_argument, NULL, 'i' },
		{ "duration", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
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
	fprintf(stderr, "Tracing %u functions of %s, ", gt_tracer_napis(t), gt_tracer_lib(t));
	if (opts.pid > 0)
		fprintf(stderr, "process %d.\n", opts.pid);
	else
		fprintf(stderr, "all processes.\n");
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
		last = pause_for(step);
		left -= step;
		if (duration && left <= 1e-9)
			last = true;
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
	gt_tracer_close(t);
	return ret ? 1 : 0;
}
