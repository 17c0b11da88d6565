// SPDX-License-Identifier: GPL-2.0
/*
 * Pure logic of ai_monitor: the /proc parsers against the formats the
 * modules print (and against damaged ones), launch statistics folding, and
 * the Prometheus rendering of both.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ai_monitor/export/prom.h"
#include "tap.h"

/* As ai_sched/procfs.c prints it. */
static const char sched_text[] =
	"GPU Utilization: 45%\n"
	"GPU Available: yes\n"
	"AI Tasks: 3\n"
	"Autogroup: built-in, handling: none (the nice boost works within a session's group only)\n"
	"Parameters: busy_pct 90 hyst_pct 10 stale_ms 2000 unknown_boost 0 min_nice -10 max_tasks 256 max_per_user 64 max_gpus 64\n"
	"Events: runs 52 last_us 3 max_us 9 avg_us 2 stale_runs 1\n"
	"PID     COMM             GPU STATE   NICE THREADS BOOSTED CPU_MS REG\n"
	"1201    python3          0   boosted 0->-5 3 3 120 fd\n"
	"1202    feeder           0   boosted 0->-5 1 1 4 persist\n"
	"1310    trainer\"x        1   relaxed 0->0 9 0 900 persist\n";

/* The original design's sample, several fields to a line. */
static const char mem_text[] =
	"Total Pool Size: 256 MB  Block Size: 4 KB  Allocated: 104857600 bytes\n"
	"Free: 163577856 bytes\n"
	"\n"
	"PID     COMM             BLOCKS   BYTES\n"
	"1201    python3          25600    104857600\n";

static void test_sched(void)
{
	static struct pf_file pf;
	struct sched_view v;
	static const char *const k_avail[] = { "GPU Available", NULL };

	pf_parse(&pf, sched_text);
	sched_view_of(&pf, &v);
	ok(v.loaded, "sched: loaded");
	is_int(v.gpu_util, 45, "sched: GPU utilisation");
	is_int(v.nr_tasks, 3, "sched: AI Tasks");
	ok(pf_get(&pf, k_avail) && !strcmp(pf_get(&pf, k_avail), "yes"), "sched: GPU Available");
	ok(v.tasks && v.tasks->nrows == 3, "sched: three task rows");
	ok(v.col_pid == 0 && v.col_state == 3 && v.col_comm == 1 && v.col_nice == 4,
	   "sched: columns found by name");
	ok(v.tasks && !strcmp(v.tasks->cell[2][v.col_state], "relaxed"), "sched: state of row 3");

	pf_parse(&pf, "GPU 0 Utilization: 12%\nGPU 1 Utilization: -\nAI Tasks: 0\n"
		  "PID     COMM             GPU STATE   NICE THREADS BOOSTED CPU_MS REG\n");
	sched_view_of(&pf, &v);
	is_int(v.gpu_util, 12, "sched: several GPUs, GPU 0 shown");
	ok(!v.tasks && v.nr_tasks == 0, "sched: header without rows is no table");

	pf_parse(&pf, "garbage\n\x01\x02:::\n12 34\nAI Tasks: many\n");
	sched_view_of(&pf, &v);
	ok(v.gpu_util == -1 && v.nr_tasks == -1, "sched: damaged file reads as unknown");
}

static void test_mem(void)
{
	static struct pf_file pf;
	struct mem_view m;

	pf_parse(&pf, mem_text);
	mem_view_of(&pf, &m);
	is_int(m.total, 256LL << 20, "mem: pool size with unit");
	is_int(m.block, 4096, "mem: block size");
	is_int(m.used, 104857600, "mem: allocated bytes");
	is_int(m.free, 163577856, "mem: free");
	ok(m.owners && m.owners->nrows == 1, "mem: owner table");
	is_int(mem_owner_bytes(&m, 0), 104857600, "mem: owner bytes");

	pf_parse(&pf, "Total Pool Size: 64 MB\nAllocated: 1 MB\n");
	mem_view_of(&pf, &m);
	is_int(m.free, 63LL << 20, "mem: free derived from total - used");
}

static struct gt_row row(__u32 pid, __u32 api, const char *comm, __u64 n, __u64 ns_each)
{
	struct gt_row r;

	memset(&r, 0, sizeof(r));
	r.pid = pid;
	r.api = api;
	snprintf(r.comm, sizeof(r.comm), "%s", comm);
	r.count = n;
	r.est.calls = n;	/* always on: every call seen */
	r.est.sum_ns = n * ns_each;
	r.est.seen = n;
	r.sum_ns = n * ns_each;
	r.slots[gt_slot(ns_each)] = n;
	return r;
}

static void test_launch_and_prom(void)
{
	static struct launch_stats ls;
	static struct snapshot s;
	struct gt_row rows[5];
	struct gt_sample smp = { .rows = rows, .nrows = 5, .interval_s = 0.5, .scale = 1 };
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	rows[0] = row(10, GT_LAUNCH_KERNEL, "infer", 100, 3000);	/* 3 us */
	rows[1] = row(10, GT_GRAPH_LAUNCH, "infer", 50, 600000);	/* 0.6 ms */
	rows[2] = row(10, GT_STREAM_SYNC, "infer", 10, 10000000);	/* 10 ms each */
	rows[3] = row(20, GT_LAUNCH_KERNEL, "tr\"ai\\n", 1, 2000);
	rows[4] = row(20, GT_RT_LAUNCH_KERNEL, "tr\"ai\\n", 4, 2000);
	ls.tracer = (struct gt_tracer *)&ls;	/* "attached": never dereferenced */
	ls_fold(&ls, &smp, 1000);
	is_int(ls.nprocs, 3, "launch: two processes, one of them in two layers");
	ok(ls.procs[2].pid == 20 && ls.procs[2].layer == GT_LAYER_RUNTIME &&
	   ls.procs[2].launches == 4, "launch: the runtime layer has a row of its own");
	is_int(ls.procs[0].launches, 150, "launch: launch APIs summed");
	is_int(ls.procs[0].syncs, 10, "launch: syncs kept apart");
	ok(ls.procs[0].launch_rate > 299 && ls.procs[0].launch_rate < 301, "launch: 300/s");
	ok(ls.procs[0].sync_share > 0.19 && ls.procs[0].sync_share < 0.21,
	   "launch: 100 ms of 500 waiting is 20%%");
	is_int(ls.launches, 155, "launch: total");

	s.ls = &ls;
	s.gpu.nr_gpus = 1;
	s.gpu.source = "nvml";
	s.gpu.dev[0].util = 75;
	s.gpu.dev[0].mem_used = 1;
	s.gpu.dev[0].mem_total = 2;
	pf_parse(&s.sched_file, sched_text);
	sched_view_of(&s.sched_file, &s.sched);
	pf_parse(&s.mem_file, mem_text);
	mem_view_of(&s.mem_file, &s.mem);

	f = open_memstream(&text, &len);
	prom_render(f, &s, NULL);
	fclose(f);
	ok(strstr(text, "ai_gpu_utilization_ratio{gpu=\"0\",source=\"nvml\"} 0.75\n") != NULL,
	   "prom: GPU utilisation");
	ok(strstr(text, "# TYPE ai_launch_latency_seconds histogram\n") != NULL,
	   "prom: launch latency is a histogram");
	/* 100 at 3 us are above 2.048 us and below 4.096 us. */
	ok(strstr(text, "ai_launch_latency_seconds_bucket{pid=\"10\",layer=\"driver\",comm=\"infer\",le=\"2.048e-06\"} 0\n") &&
	   strstr(text, "ai_launch_latency_seconds_bucket{pid=\"10\",layer=\"driver\",comm=\"infer\",le=\"4.096e-06\"} 100\n"),
	   "prom: buckets cumulative at the right bounds");
	ok(strstr(text, "ai_launch_latency_seconds_bucket{pid=\"10\",layer=\"driver\",comm=\"infer\",le=\"+Inf\"} 150\n") &&
	   strstr(text, "ai_launch_latency_seconds_count{pid=\"10\",layer=\"driver\",comm=\"infer\"} 150\n"),
	   "prom: +Inf bucket equals count");
	ok(strstr(text, "comm=\"tr\\\"ai\\\\n\"") != NULL, "prom: label values escaped");
	ok(strstr(text, "ai_launch_latency_seconds_count{pid=\"20\",layer=\"runtime\",") != NULL,
	   "prom: the layer is a label");
	ok(strstr(text, "ai_sched_tasks_by_state{state=\"boosted\"} 2\n") &&
	   strstr(text, "ai_sched_tasks_by_state{state=\"relaxed\"} 1\n"), "prom: tasks by state");
	ok(strstr(text, "ai_mem_pool_bytes 268435456\n") != NULL, "prom: pool bytes");
	ok(strstr(text, "ai_mem_owner_bytes{pid=\"1201\",comm=\"python3\"} 104857600\n") != NULL,
	   "prom: per-owner bytes");
	ok(strstr(text, "ai_sync_wait_seconds_total{pid=\"10\",layer=\"driver\",comm=\"infer\"} 0.1") != NULL,
	   "prom: sync wait");
	if (getenv("TEST_MONITOR_DUMP"))
		fputs(text, stderr);
	free(text);

	ls_reset(&ls);
	ok(ls.launches == 0 && ls.procs[0].launches == 0 && ls.nprocs == 3,
	   "launch: reset keeps processes, clears counts");

	/*
	 * Duty cycled: 100 seen in a tenth of the time estimate 1000; then a
	 * sample between two windows, none seen and 500 estimated.
	 */
	smp.scale = 10;
	smp.nrows = 1;
	rows[0].est.calls = 1000;
	ls_fold(&ls, &smp, 2000);
	rows[0].count = 0;
	rows[0].est.calls = 500;
	memset(rows[0].slots, 0, sizeof(rows[0].slots));
	ls_fold(&ls, &smp, 3000);
	ok(ls.procs[0].launches_est == 1500 && ls.procs[0].launches == 100 &&
	   gt_hist_total(ls.procs[0].slots) == 100,
	   "launch: duty cycled, launches estimated, the histogram keeps the sampled calls");
	ok(ls.procs[0].launch_rate > 999 && ls.procs[0].launch_rate < 1001,
	   "launch: duty cycled, the rate from the estimate (500 in 0.5 s)");
}

int main(void)
{
	test_sched();
	test_mem();
	test_launch_and_prom();
	return tap_done();
}
