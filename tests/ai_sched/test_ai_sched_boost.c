// SPDX-License-Identifier: GPL-2.0
/*
 * Boost and restore, exactly: all threads at min(own nice, boost) while
 * the GPU is available; relaxed on saturation (with hysteresis) and when
 * the GPU's state is unknown (fail closed), unless unknown_boost; guarded
 * restore; restore on unregister. Nothing but the nice ever changes: no
 * SCHED_RESET_ON_FORK, a custom slice kept (6.12), a thread or child
 * created while boosted gets exactly the nice it would have had without
 * ai_sched (a thread created at nice 3 comes back at 3). Expects the module
 * loaded with stale_ms=500 and the other parameters at their defaults.
 */
#include "ai_sched_test.h"
#include "sched_attr.h"

#define BOOST -8

/* The thread's own nice kept, a custom slice asked for. */
static int set_slice(pid_t tid, unsigned long long ns)
{
	return sched_set_slice(tid, nice_of(tid), ns);
}

static void check_nices(struct worker *w, const int *want, const char *what)
{
	int i;

	for (i = 0; i < w->n; i++)
		is_int(nice_of(w->tid[i]), want[i], "%s: thread %d", what, i);
}

static int row_has(pid_t pid, const char *s)
{
	char row[256];

	return ai_proc_row(pid, row, sizeof(row)) && strstr(row, s);
}

static int no_reset_on_fork(struct worker *w)
{
	int i;

	for (i = 0; i < w->n; i++)
		if (sched_getscheduler(w->tid[i]) & SCHED_RESET_ON_FORK)
			return 0;
	return 1;
}

/* Threads and children born while boosted: exactly their own nice. */
static void births(int fd)
{
	struct worker w;
	pid_t late, kid;
	int slices;

	if (worker_start(&w, 1)) {
		printf("Bail out! worker: %s\n", strerror(errno));
		exit(1);
	}
	ok(setpriority(PRIO_PROCESS, w.pid, 3) == 0, "a worker at nice 3");
	slices = !set_slice(w.pid, 3000000) && sched_slice_of(w.pid) == 3000000;
	ok(ai_util(fd, 0, 20) == 0, "util 20%%");
	ok(ai_register(fd, w.pid, BOOST, 0) == 0, "REGISTER it at %d", BOOST);
	is_int(nice_of(w.pid), BOOST, "its main thread is boosted");

	late = worker_new_thread(&w);
	ok(late > 0, "it creates a thread while boosted");
	wait_events(1);
	is_int(nice_of(late), BOOST, "the new thread is boosted (by the fork event)");
	if (slices)
		is_int(sched_slice_of(late), 3000000, "the new thread inherited the custom slice");
	else
		skip("no per-task slices before 6.12", "the new thread inherited the custom slice");

	kid = worker_fork(&w);
	ok(kid > 0, "it forks a child process while boosted");
	is_int(nice_of(kid), 3, "the child starts at the parent's own nice 3, not the boost");
	ok(!(sched_getscheduler(kid) & SCHED_RESET_ON_FORK), "the child has no reset-on-fork flag");
	wait_events(1);
	is_int(nice_of(kid), 3, "and is not boosted later (not registered)");
	kill(kid, SIGKILL);
	ok(no_reset_on_fork(&w), "no thread carries SCHED_RESET_ON_FORK while boosted");

	ok(ai_util(fd, 0, 95) == 0, "util 95%%: relax");
	is_int(nice_of(late), 3, "relaxed: the thread created while boosted is at 3");
	ok(ai_util(fd, 0, 20) == 0, "util 20%%: boost again");
	is_int(nice_of(late), BOOST, "boosted again");
	ok(ai_unregister(fd, w.pid) == 0, "UNREGISTER");
	is_int(nice_of(w.pid), 3, "unregistered: main thread at 3");
	is_int(nice_of(late), 3, "unregistered: the thread created while boosted at 3");
	if (slices)
		ok(sched_slice_of(w.pid) == 3000000 && sched_slice_of(late) == 3000000,
		   "both keep their custom slice");
	else
		skip("no per-task slices before 6.12", "both keep their custom slice");
	worker_kill(&w);
}

int main(void)
{
	/* Own nices: main 0, t1 0, t2 5 (boosted to -8), t3 -12 (untouched). */
	const int own[] = { 0, 0, 5, -12, 0 };
	const int boosted[] = { BOOST, BOOST, BOOST, -12, BOOST };
	int fd = ai_open(), i, want[8], slices;
	struct ai_sched_query q;
	struct worker w;
	char v[64];

	if (ai_param("stale_ms") != 500 || ai_param("unknown_boost") != 0) {
		printf("Bail out! load ai_sched with stale_ms=500 (unknown_boost N)\n");
		return 1;
	}
	if (worker_start(&w, 4)) {
		printf("Bail out! worker: %s\n", strerror(errno));
		return 1;
	}
	setpriority(PRIO_PROCESS, w.tid[2], 5);
	setpriority(PRIO_PROCESS, w.tid[3], -12);
	slices = !set_slice(w.tid[1], 3000000) && sched_slice_of(w.tid[1]) == 3000000;

	/* Fresh GPU: never reported, so unknown: fail closed. */
	ok(ai_register(fd, w.pid, BOOST, 0) == 0, "REGISTER worker (4 threads) at nice %d", BOOST);
	check_nices(&w, own, "GPU unknown, unknown_boost=N: not boosted");
	ok(row_has(w.pid, " unknown "), "/proc row says unknown");

	ok(ai_util(fd, 0, 50) == 0, "util 50%%");
	check_nices(&w, boosted, "util 50%: boosted");
	ok(row_has(w.pid, " boosted ") && row_has(w.pid, "0->-8 4 3 "),
	   "/proc row: boosted, nice 0->-8, 4 threads, 3 held at the boost");
	ok(ai_proc_value("GPU Available", v, sizeof(v)) && !strcmp(v, "yes"), "GPU Available: yes");
	ok(no_reset_on_fork(&w), "the boost sets no SCHED_RESET_ON_FORK");
	if (slices)
		is_int(sched_slice_of(w.tid[1]), 3000000, "the boost keeps a thread's custom slice");
	else
		skip("no per-task slices before 6.12", "the boost keeps a thread's custom slice");

	pid_t late = worker_new_thread(&w);

	ok(late > 0, "worker starts a 5th thread after registration");
	wait_events(1);
	check_nices(&w, boosted, "thread created while boosted is boosted too");

	ok(ai_util(fd, 0, 95) == 0, "util 95%%");
	check_nices(&w, own, "util 95% (>= busy_pct 90): relaxed, own nices back");
	if (slices)
		is_int(sched_slice_of(w.tid[1]), 3000000, "the restore keeps a thread's custom slice");
	else
		skip("no per-task slices before 6.12", "the restore keeps a thread's custom slice");
	ok(row_has(w.pid, " relaxed ") && row_has(w.pid, "0->0 5 0 "),
	   "/proc row: relaxed, 0->0, 5 threads, none boosted");
	ok(ai_proc_value("GPU Available", v, sizeof(v)) && !strcmp(v, "no"), "GPU Available: no");
	ok(ai_proc_value("GPU Utilization", v, sizeof(v)) && !strcmp(v, "95%"), "GPU Utilization: 95%%");

	ok(ai_util(fd, 0, 85) == 0, "util 85%%");
	check_nices(&w, own, "util 85% (inside the hysteresis band): still relaxed");
	ok(ai_util(fd, 0, 79) == 0, "util 79%%");
	check_nices(&w, boosted, "util 79% (< busy_pct - hyst_pct): boosted again");
	ok(ai_util(fd, 0, 89) == 0, "util 89%%");
	check_nices(&w, boosted, "util 89% (below busy_pct): still boosted");

	/* Stale: no report for stale_ms (500): fail closed. */
	msleep(800);
	check_nices(&w, own, "no report for > stale_ms: unknown, relaxed (fail closed)");
	ok(row_has(w.pid, " unknown "), "/proc row says unknown after stale_ms");
	ok(ai_proc_value("GPU Available", v, sizeof(v)) && !strcmp(v, "unknown"),
	   "GPU Available: unknown");
	ok(ai_query(fd, w.pid, &q) == 0 && q.gpu_state == AI_SCHED_GPU_UNKNOWN && !q.boosted,
	   "QUERY: unknown, not boosted");
	ok(ai_set_param("unknown_boost", "1") == 0, "unknown_boost=1");
	wait_events(1);
	check_nices(&w, boosted, "unknown with unknown_boost=1: boosted");
	ok(ai_set_param("unknown_boost", "0") == 0, "unknown_boost=0");
	wait_events(1);
	check_nices(&w, own, "unknown with unknown_boost=0: relaxed");

	/* Guarded restore: someone else renices threads while boosted. */
	ok(ai_util(fd, 0, 10) == 0, "util 10%%");
	ok(setpriority(PRIO_PROCESS, w.tid[1], 3) == 0, "someone renices thread 1 to 3");
	ok(setpriority(PRIO_PROCESS, w.tid[2], 7) == 0, "someone renices thread 2 to 7");
	ok(ai_util(fd, 0, 100) == 0, "util 100%%: relax");
	memcpy(want, own, sizeof(own));
	want[1] = 3;
	want[2] = 7;
	check_nices(&w, want, "relax leaves the threads changed by others alone");

	/* Next boost starts from the current nices. */
	ok(ai_util(fd, 0, 0) == 0, "util 0%%: boost");
	memcpy(want, boosted, sizeof(boosted));
	check_nices(&w, want, "the next boost boosts them again");
	ok(setpriority(PRIO_PROCESS, w.tid[0], -15) == 0, "someone renices the main thread to -15");
	ok(ai_unregister(fd, w.pid) == 0, "UNREGISTER");
	want[0] = -15;
	want[1] = 3;
	want[2] = 7;
	want[3] = -12;
	want[4] = 0;
	check_nices(&w, want, "unregister restores all but the changed thread");
	ok(!row_has(w.pid, " "), "the row is gone");
	ok(no_reset_on_fork(&w), "no SCHED_RESET_ON_FORK anywhere after unregister");
	ok(ai_proc_value("AI Tasks", v, sizeof(v)) && atoi(v) == 0, "AI Tasks: 0");

	/* Register while saturated: nothing changes until the GPU frees up. */
	for (i = 0; i < w.n; i++)
		setpriority(PRIO_PROCESS, w.tid[i], 2);
	ok(ai_util(fd, 0, 99) == 0, "util 99%%");
	ok(ai_register(fd, w.pid, -4, 0) == 0, "REGISTER while saturated");
	is_int(nice_of(w.tid[4]), 2, "saturated: thread keeps its own nice");
	ok(ai_util(fd, 0, 20) == 0, "util 20%%");
	is_int(nice_of(w.tid[4]), -4, "available: thread boosted to -4");
	ok(ai_register(fd, w.pid, -6, 0) == 0, "REGISTER again at -6 while boosted");
	is_int(nice_of(w.tid[4]), -6, "re-register moves the boost to -6");
	ok(ai_unregister(fd, w.pid) == 0, "UNREGISTER");
	for (i = 0; i < w.n; i++)
		want[i] = 2;
	check_nices(&w, want, "all back to their own nice 2");
	worker_kill(&w);

	births(fd);
	close(fd);
	return tap_done();
}
