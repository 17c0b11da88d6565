// SPDX-License-Identifier: GPL-2.0
/*
 * Process death and pid reuse: a registered process killed with SIGKILL is
 * forgotten by the exit event (no tick, no report needed), and a new
 * process that gets its pid number is neither boosted nor considered
 * registered (ai_sched holds struct pid references, not numbers).
 */
#include "ai_sched_test.h"

/* Fork a sleeping child whose pid is @want (via ns_last_pid); 0 on failure. */
static pid_t fork_with_pid(pid_t want)
{
	int tries, fd;
	char buf[32];
	pid_t p;

	for (tries = 0; tries < 20; tries++) {
		fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY);
		if (fd < 0)
			return 0;
		snprintf(buf, sizeof(buf), "%d", want - 1);
		if (write(fd, buf, strlen(buf)) < 0) {
			close(fd);
			return 0;
		}
		close(fd);
		p = fork();
		if (!p) {
			for (;;)
				pause();
		}
		if (p == want)
			return p;
		kill(p, SIGKILL);
		waitpid(p, NULL, 0);
	}
	return 0;
}

int main(void)
{
	int fd = ai_open();
	struct worker w;
	char row[256], v[32];
	pid_t old, reuse;
	int pfd;

	/* Death. */
	if (worker_start(&w, 3)) {
		printf("Bail out! worker: %s\n", strerror(errno));
		return 1;
	}
	ok(ai_util(fd, 0, 30) == 0, "util 30%%");
	ok(ai_register(fd, w.pid, -7, 0) == 0, "REGISTER a 3-thread worker");
	is_int(nice_of(w.tid[2]), -7, "its threads are boosted");
	old = w.pid;
	worker_kill(&w);
	ok(1, "kill -9 and reap it");
	wait_events(1);
	ok(!ai_proc_row(old, row, sizeof(row)), "the dead process's row is gone");
	ok(ai_proc_value("AI Tasks", v, sizeof(v)) && atoi(v) == 0,
	   "the exit event dropped it, with no report (AI Tasks: %s)", v);
	is_errno(ai_unregister(fd, old), ESRCH, "UNREGISTER of the dead pid: ESRCH");

	/* A process whose main thread exits first: still registered. */
	if (worker_start(&w, 3)) {
		printf("Bail out! worker: %s\n", strerror(errno));
		return 1;
	}
	ok(ai_register(fd, w.pid, -7, 0) == 0, "REGISTER another worker");
	kill(w.tid[1], SIGKILL);	/* the whole group: signals go to the process */
	waitpid(w.pid, NULL, 0);
	wait_events(1);
	ok(ai_proc_value("AI Tasks", v, sizeof(v)) && atoi(v) == 0,
	   "killed through a thread id: dropped (AI Tasks: %s)", v);
	close(w.cmd);
	close(w.rep);
	w.pid = 0;

	/* Pid reuse. */
	if (worker_start(&w, 2)) {
		printf("Bail out! worker: %s\n", strerror(errno));
		return 1;
	}
	ok(ai_util(fd, 1, 99) == 0, "gpu 1 saturated");
	ok(ai_register(fd, w.pid, -9, 1) == 0, "REGISTER a worker on gpu 1 (relaxed)");
	old = w.pid;
	pfd = syscall(SYS_pidfd_open, old, 0);
	worker_kill(&w);
	reuse = fork_with_pid(old);
	if (!reuse) {
		skip("ns_last_pid unavailable or busy", "pid reuse");
	} else {
		ok(reuse == old, "a new process got the dead worker's pid %d", old);
		ok(ai_util(fd, 1, 10) == 0, "gpu 1 available: its processes are re-evaluated");
		is_int(nice_of(reuse), 0, "the new process is not boosted");
		is_errno(ai_unregister(fd, reuse), ENOENT, "UNREGISTER of the new process: ENOENT");
		ok(!ai_proc_row(reuse, row, sizeof(row)), "no row for its pid");
		if (pfd >= 0) {
			struct ai_sched_register r = {
				.size = sizeof(r), .flags = AI_SCHED_REG_PIDFD,
				.pid = reuse, .nice = -3, .gpu = 1, .pidfd = pfd,
			};

			is_errno(ioctl(fd, AI_SCHED_IOC_REGISTER, &r), ESRCH,
				 "REGISTER by the dead worker's pidfd with the reused number: ESRCH");
		} else {
			skip("no pidfd_open", "REGISTER by a stale pidfd");
		}
		ok(ai_register(fd, reuse, -3, 1) == 0, "it can be registered itself");
		is_int(nice_of(reuse), -3, "and is boosted then");
		ok(ai_unregister(fd, reuse) == 0, "UNREGISTER it");
		is_int(nice_of(reuse), 0, "back to 0");
		kill(reuse, SIGKILL);
		waitpid(reuse, NULL, 0);
	}
	close(fd);
	return tap_done();
}
