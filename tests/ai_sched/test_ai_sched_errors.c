// SPDX-License-Identifier: GPL-2.0
/*
 * Every error the ai_sched ABI promises, as root and as an unprivileged
 * user (a child that drops to nobody keeping the already-open descriptor,
 * as a member of the device's group would have).
 */
#include <sys/mman.h>
#include <sys/prctl.h>
#include "ai_sched_test.h"

#define NOBODY 65534

static pid_t dead_pid(void)
{
	pid_t p = fork();

	if (!p)
		_exit(0);
	waitpid(p, NULL, 0);
	return p;
}

static void root_errors(int fd, struct worker *w)
{
	struct ai_sched_task t = { 0 };
	struct ai_sched_gpu_util u = { 0 };
	struct ai_sched_task_gpu tg = { 0 };
	void *bad = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	__s32 p;

	is_errno(ai_register(fd, dead_pid(), -5, 0), ESRCH, "REGISTER of an exited pid: ESRCH");
	is_errno(ai_register(fd, 0x3ffffff0, -5, 0), ESRCH, "REGISTER of a pid never used: ESRCH");
	is_errno(ai_register(fd, -7, -5, 0), ESRCH, "REGISTER of a negative pid: ESRCH");
	is_errno(ai_register(fd, w->tid[1], -5, 0), ESRCH,
		 "REGISTER of a thread id that is not a process: ESRCH");
	is_errno(ai_register(fd, 2, -5, 0), EINVAL, "REGISTER of a kernel thread (kthreadd): EINVAL");
	is_errno(ai_register(fd, w->pid, -21, 0), EINVAL, "REGISTER nice -21: EINVAL");
	is_errno(ai_register(fd, w->pid, 20, 0), EINVAL, "REGISTER nice 20: EINVAL");
	is_errno(ai_register(fd, w->pid, -5, AI_SCHED_MAX_GPUS), EINVAL, "REGISTER gpu 16: EINVAL");
	t.pid = w->pid;
	t.nice = -5;
	t.flags = 1;
	is_errno(ioctl(fd, AI_SCHED_IOC_REGISTER, &t), EINVAL, "REGISTER flags 1: EINVAL");
	t.flags = 0x80000000u;
	is_errno(ioctl(fd, AI_SCHED_IOC_REGISTER, &t), EINVAL, "REGISTER flags bit 31: EINVAL");

	is_errno(ai_util(fd, AI_SCHED_MAX_GPUS, 10), EINVAL, "SET_GPU_UTIL gpu 16: EINVAL");
	is_errno(ai_util(fd, 0, 101), EINVAL, "SET_GPU_UTIL util 101: EINVAL");
	u.reserved = 1;
	is_errno(ioctl(fd, AI_SCHED_IOC_SET_GPU_UTIL, &u), EINVAL, "SET_GPU_UTIL reserved != 0: EINVAL");
	tg.pid = w->pid;
	tg.reserved = 1;
	is_errno(ioctl(fd, AI_SCHED_IOC_SET_TASK_GPU, &tg), EINVAL, "SET_TASK_GPU reserved != 0: EINVAL");
	tg.reserved = 0;
	is_errno(ioctl(fd, AI_SCHED_IOC_SET_TASK_GPU, &tg), ENOENT, "SET_TASK_GPU of an unregistered process: ENOENT");

	is_errno(ai_unregister(fd, w->pid), ENOENT, "UNREGISTER of a process not registered: ENOENT");
	is_errno(ai_unregister(fd, dead_pid()), ESRCH, "UNREGISTER of an exited pid: ESRCH");

	is_errno(ioctl(fd, AI_SCHED_IOC_REGISTER, NULL), EFAULT, "REGISTER NULL: EFAULT");
	is_errno(ioctl(fd, AI_SCHED_IOC_REGISTER, bad), EFAULT, "REGISTER unmapped: EFAULT");
	is_errno(ioctl(fd, AI_SCHED_IOC_UNREGISTER, bad), EFAULT, "UNREGISTER unmapped: EFAULT");
	is_errno(ioctl(fd, AI_SCHED_IOC_SET_GPU_UTIL, bad), EFAULT, "SET_GPU_UTIL unmapped: EFAULT");
	is_errno(ioctl(fd, AI_SCHED_IOC_SET_TASK_GPU, bad), EFAULT, "SET_TASK_GPU unmapped: EFAULT");
	is_errno(ioctl(fd, _IO(AI_SCHED_IOC_MAGIC, 99)), ENOTTY, "unknown command: ENOTTY");
	is_errno(ioctl(fd, _IOW(AI_SCHED_IOC_MAGIC, 1, __u64), &t), ENOTTY,
		 "REGISTER number with the wrong size: ENOTTY");
	is_errno(ioctl(fd, _IOW('x', 1, struct ai_sched_task), &t), ENOTTY, "other magic: ENOTTY");

	/* Registering again updates in place. */
	ok(ai_register(fd, w->pid, -3, 0) == 0, "REGISTER a worker at nice -3");
	ok(ai_register(fd, w->pid, -6, 1) == 0, "REGISTER it again at nice -6 on gpu 1");
	{
		char row[256], cnt[32];

		ok(ai_proc_value("AI Tasks", cnt, sizeof(cnt)) && atoi(cnt) == 1,
		   "registering again keeps one entry (AI Tasks: %s)", cnt);
		ok(ai_proc_row(w->pid, row, sizeof(row)) && strstr(row, "0->-6"),
		   "the row shows the updated nice: %s", row);
	}
	is_int(nice_of(w->tid[1]), -6, "its threads run at the updated nice");
	p = 0;
	is_errno(ioctl(fd, AI_SCHED_IOC_UNREGISTER, &p), ENOENT,
		 "UNREGISTER 0 (the caller, not registered): ENOENT");
	ok(ai_unregister(fd, w->pid) == 0, "UNREGISTER the worker");
	is_int(nice_of(w->tid[1]), 0, "its threads are back at nice 0");
	munmap(bad, 4096);
}

/* In a child: drop to nobody with no capabilities, keep fd. */
static int unprivileged_errors(int fd, pid_t root_pid)
{
	struct worker mine;
	struct ai_sched_task_gpu tg = { .pid = root_pid };

	if (setresgid(NOBODY, NOBODY, NOBODY) || setresuid(NOBODY, NOBODY, NOBODY)) {
		printf("Bail out! cannot become nobody: %s\n", strerror(errno));
		return 1;
	}
	ok(open(AI_DEV, O_RDWR) < 0 && errno == EACCES,
	   "nobody cannot open %s (mode 0660 root)", AI_DEV);
	if (access("/proc", X_OK)) {
		/* An initramfs packed from a mktemp -d directory has / at 0700. */
		skip("/ is not searchable by nobody in this VM", "nobody can read %s", AI_PROC);
	} else {
		char *text = ai_proc_read();

		if (!ok(text && strstr(text, "AI Tasks:"), "nobody can read %s", AI_PROC))
			diag("read: %s", strerror(errno));
		free(text);
	}
	is_errno(ai_register(fd, root_pid, -5, 0), EPERM, "nobody: REGISTER a root process: EPERM");
	is_errno(ai_register(fd, 1, 0, 0), EPERM, "nobody: REGISTER init: EPERM");
	is_errno(ai_register(fd, 0, -11, 0), EPERM, "nobody: REGISTER itself below min_nice (-11): EPERM");
	is_errno(ai_register(fd, 0, -20, 0), EPERM, "nobody: REGISTER itself at -20: EPERM");
	is_errno(ai_util(fd, 0, 50), EPERM, "nobody: SET_GPU_UTIL: EPERM");
	is_errno(ioctl(fd, AI_SCHED_IOC_SET_TASK_GPU, &tg), EPERM, "nobody: SET_TASK_GPU: EPERM");
	is_errno(ai_unregister(fd, root_pid), EPERM, "nobody: UNREGISTER a root process: EPERM");
	is_errno(ai_register(fd, 0x3ffffff0, -5, 0), ESRCH, "nobody: REGISTER a missing pid: ESRCH");
	is_errno(ai_register(fd, 0, -21, 0), EINVAL, "nobody: REGISTER nice -21: EINVAL");

	if (worker_start(&mine, 2)) {
		printf("Bail out! worker: %s\n", strerror(errno));
		return 1;
	}
	ok(ai_register(fd, mine.pid, -10, 0) == 0,
	   "nobody: REGISTER its own process at min_nice (-10)");
	is_int(nice_of(mine.tid[1]), -10, "nobody: its thread is boosted (GPU unknown, unknown_boost)");
	ok(ai_register(fd, 0, -2, 0) == 0, "nobody: REGISTER itself (pid 0)");
	ok(ai_unregister(fd, 0) == 0, "nobody: UNREGISTER itself (pid 0)");
	ok(ai_unregister(fd, mine.pid) == 0, "nobody: UNREGISTER its worker");
	is_int(nice_of(mine.tid[1]), 0, "nobody: its thread is back at 0");
	worker_kill(&mine);
	return tap_done();
}

int main(void)
{
	struct worker w;
	int fd = ai_open(), st;
	pid_t child;

	if (ai_param("unknown_boost") != 1 || ai_param("min_nice") != -10) {
		printf("Bail out! needs the module's default parameters\n");
		return 1;
	}
	if (worker_start(&w, 3)) {
		printf("Bail out! worker: %s\n", strerror(errno));
		return 1;
	}
	root_errors(fd, &w);

	fflush(stdout);
	child = fork();
	if (!child) {
		/* Continue the TAP numbering in the child, then report back. */
		_exit(unprivileged_errors(fd, w.pid) ? 1 : 0);
	}
	waitpid(child, &st, 0);
	worker_kill(&w);
	close(fd);
	/* The child printed its own plan; the parent adds nothing after it. */
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
