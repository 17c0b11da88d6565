// SPDX-License-Identifier: GPL-2.0
/*
 * ABI v2: every error the ai_sched ABI promises, the size-first structures
 * (E2BIG), QUERY, registration lifetimes (fd close, PERSIST, set-id exec),
 * as root and as an unprivileged user (a child that drops to nobody keeping
 * the already-open descriptor, as a member of the device's group would),
 * with RLIMIT_NICE and the per-user limit.
 *
 * "test_ai_sched_errors --exec-check FD" is what the set-id exec test runs:
 * exit 0 if the process is no longer registered, 2 if it still is.
 */
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
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

/* A register structure larger than the kernel's, with a tail. */
struct big_register {
	struct ai_sched_register r;
	__u8 tail[8];
};

static void abi_errors(int fd, struct worker *w)
{
	void *bad = mmap(NULL, 8192, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct ai_sched_register r = { .size = sizeof(r), .pid = w->pid, .nice = -5 };
	struct ai_sched_unregister u = { .size = sizeof(u), .pid = w->pid };
	struct ai_sched_gpu_util g = { .size = sizeof(g) };
	struct big_register big = { .r = r };
	struct ai_sched_query q;
	long max_gpus = ai_param("max_gpus");

	is_errno(ioctl(fd, AI_SCHED_IOC_REGISTER, NULL), EFAULT, "REGISTER NULL: EFAULT");
	is_errno(ioctl(fd, AI_SCHED_IOC_REGISTER, bad), EFAULT, "REGISTER unmapped: EFAULT");
	is_errno(ioctl(fd, AI_SCHED_IOC_UNREGISTER, bad), EFAULT, "UNREGISTER unmapped: EFAULT");
	is_errno(ioctl(fd, AI_SCHED_IOC_SET_GPU_UTIL, bad), EFAULT, "SET_GPU_UTIL unmapped: EFAULT");
	is_errno(ioctl(fd, AI_SCHED_IOC_QUERY, bad), EFAULT, "QUERY unmapped: EFAULT");
	is_errno(ioctl(fd, _IO(AI_SCHED_IOC_MAGIC, 99)), ENOTTY, "unknown command: ENOTTY");
	is_errno(ioctl(fd, _IOW(0xBA, 1, struct ai_sched_register), &r), ENOTTY,
		 "the v1 magic 0xBA: ENOTTY");
	is_errno(ioctl(fd, _IOW(AI_SCHED_IOC_MAGIC, 1, struct ai_sched_register), &r), ENOTTY,
		 "REGISTER number with a size in it: ENOTTY");

	r.size = 0;
	is_errno(ioctl(fd, AI_SCHED_IOC_REGISTER, &r), EINVAL, "REGISTER size 0: EINVAL");
	r.size = AI_SCHED_REGISTER_SIZE_VER0 - 4;
	is_errno(ioctl(fd, AI_SCHED_IOC_REGISTER, &r), EINVAL, "REGISTER size below VER0: EINVAL");
	r.size = 4097;
	is_errno(ioctl(fd, AI_SCHED_IOC_REGISTER, &r), E2BIG, "REGISTER size above a page: E2BIG");
	r.size = sizeof(r);
	r.flags = 1u << 5;
	is_errno(ioctl(fd, AI_SCHED_IOC_REGISTER, &r), EINVAL, "REGISTER unknown flag: EINVAL");
	r.flags = 0;
	r.pidfd = 3;
	is_errno(ioctl(fd, AI_SCHED_IOC_REGISTER, &r), EINVAL,
		 "REGISTER pidfd != 0 without AI_SCHED_REG_PIDFD: EINVAL");
	r.pidfd = 0;
	is_errno(ai_register(fd, w->pid, -21, 0), EINVAL, "REGISTER nice -21: EINVAL");
	is_errno(ai_register(fd, w->pid, 20, 0), EINVAL, "REGISTER nice 20: EINVAL");
	is_errno(ai_register(fd, w->pid, -5, max_gpus), EINVAL, "REGISTER gpu max_gpus (%ld): EINVAL",
		 max_gpus);
	ok(max_gpus >= 64, "max_gpus is a parameter (%ld), not an ABI constant", max_gpus);

	big.r.size = sizeof(big);
	big.tail[3] = 1;
	is_errno(ioctl(fd, AI_SCHED_IOC_REGISTER, &big), E2BIG,
		 "REGISTER from a newer binary with a non-zero unknown tail: E2BIG");
	big.tail[3] = 0;
	ok(ioctl(fd, AI_SCHED_IOC_REGISTER, &big) == 0,
	   "REGISTER from a newer binary with a zero tail: accepted");
	ok(ai_query(fd, w->pid, &q) == 0 && q.boost_nice == -5, "QUERY: registered at -5");
	ok(ai_unregister(fd, w->pid) == 0, "UNREGISTER it");

	u.flags = 1;
	is_errno(ioctl(fd, AI_SCHED_IOC_UNREGISTER, &u), EINVAL, "UNREGISTER flags != 0: EINVAL");
	u.flags = 0;
	u.reserved = 1;
	is_errno(ioctl(fd, AI_SCHED_IOC_UNREGISTER, &u), EINVAL, "UNREGISTER reserved != 0: EINVAL");
	u.reserved = 0;
	u.size = 8;
	is_errno(ioctl(fd, AI_SCHED_IOC_UNREGISTER, &u), EINVAL, "UNREGISTER size 8: EINVAL");
	is_errno(ai_util(fd, max_gpus, 10), EINVAL, "SET_GPU_UTIL gpu max_gpus: EINVAL");
	is_errno(ai_util(fd, 0, 101), EINVAL, "SET_GPU_UTIL util 101: EINVAL");
	g.flags = 1;
	is_errno(ioctl(fd, AI_SCHED_IOC_SET_GPU_UTIL, &g), EINVAL, "SET_GPU_UTIL flags != 0: EINVAL");
	ok(ai_util(fd, 1000 % max_gpus, 10) == 0, "SET_GPU_UTIL on a high GPU index");
	memset(&q, 0, sizeof(q));
	q.size = sizeof(q);
	q.flags = 1;
	is_errno(ioctl(fd, AI_SCHED_IOC_QUERY, &q), EINVAL, "QUERY flags != 0: EINVAL");

	is_errno(ai_register(fd, dead_pid(), -5, 0), ESRCH, "REGISTER of an exited pid: ESRCH");
	is_errno(ai_register(fd, 0x3ffffff0, -5, 0), ESRCH, "REGISTER of a pid never used: ESRCH");
	is_errno(ai_register(fd, -7, -5, 0), ESRCH, "REGISTER of a negative pid: ESRCH");
	is_errno(ai_register(fd, w->tid[1], -5, 0), ESRCH,
		 "REGISTER of a thread id that is not a process: ESRCH");
	is_errno(ai_register(fd, 2, -5, 0), EINVAL, "REGISTER of a kernel thread (kthreadd): EINVAL");
	is_errno(ai_unregister(fd, w->pid), ENOENT, "UNREGISTER of a process not registered: ENOENT");
	is_errno(ai_unregister(fd, dead_pid()), ESRCH, "UNREGISTER of an exited pid: ESRCH");
	is_errno(ai_query(fd, w->pid, &q), ENOENT, "QUERY of a process not registered: ENOENT");
	is_errno(ai_query(fd, dead_pid(), &q), ESRCH, "QUERY of an exited pid: ESRCH");
	munmap(bad, 8192);
}

/* Registration by pidfd: the pidfd must name the process pid names. */
static void by_pidfd(int fd, struct worker *w)
{
	int pfd = syscall(SYS_pidfd_open, w->pid, 0), other, dead;
	struct ai_sched_register r = {
		.size = sizeof(r), .flags = AI_SCHED_REG_PIDFD, .pid = w->pid, .nice = -4,
	};
	struct ai_sched_query q;
	pid_t d = fork();

	if (!d)
		_exit(0);
	dead = syscall(SYS_pidfd_open, d, 0);
	waitpid(d, NULL, 0);
	other = syscall(SYS_pidfd_open, getpid(), 0);
	if (pfd < 0 || other < 0 || dead < 0) {
		skip("no pidfd_open", "registration by pidfd");
		return;
	}
	r.pidfd = other;
	is_errno(ioctl(fd, AI_SCHED_IOC_REGISTER, &r), ESRCH,
		 "REGISTER by pidfd: a pidfd of another process: ESRCH");
	r.pidfd = dead;
	is_errno(ioctl(fd, AI_SCHED_IOC_REGISTER, &r), ESRCH,
		 "REGISTER by pidfd: a pidfd of an exited process: ESRCH");
	r.pidfd = fd;
	is_errno(ioctl(fd, AI_SCHED_IOC_REGISTER, &r), ESRCH,
		 "REGISTER by pidfd: a descriptor that is no pidfd: ESRCH");
	r.pidfd = 1000;
	is_errno(ioctl(fd, AI_SCHED_IOC_REGISTER, &r), ESRCH,
		 "REGISTER by pidfd: a closed descriptor: ESRCH");
	r.pidfd = pfd;
	ok(ioctl(fd, AI_SCHED_IOC_REGISTER, &r) == 0, "REGISTER by pidfd of the worker");
	ok(ai_query(fd, w->pid, &q) == 0 && q.boost_nice == -4, "QUERY: registered at -4");
	ok(ai_unregister(fd, w->pid) == 0, "UNREGISTER it");
	r.pid = 0;
	r.pidfd = other;
	ok(ioctl(fd, AI_SCHED_IOC_REGISTER, &r) == 0, "REGISTER itself (pid 0) with its own pidfd");
	ok(ai_unregister(fd, 0) == 0, "UNREGISTER itself");
	close(pfd);
	close(other);
	close(dead);
}

static void query_and_owners(int fd, struct worker *w)
{
	struct ai_sched_query q;
	int fd2 = ai_open(), fd3;
	char cnt[32];
	__u32 short_q[AI_SCHED_QUERY_SIZE_VER0 / 4 + 2];

	ok(ai_util(fd, 0, 10) == 0, "util 10%%: GPU 0 available");
	ok(ai_register(fd, w->pid, -3, 0) == 0, "REGISTER a worker at -3");
	ok(ai_register(fd, w->pid, -6, 0) == 0, "REGISTER it again (same fd) at -6");
	ok(ai_proc_value("AI Tasks", cnt, sizeof(cnt)) && atoi(cnt) == 1,
	   "registering again keeps one entry (AI Tasks: %s)", cnt);
	is_int(nice_of(w->tid[1]), -6, "its threads run at the updated nice");
	is_errno(ai_register(fd2, w->pid, -4, 0), EBUSY,
		 "REGISTER through another fd: EBUSY (it is the first fd's)");

	ok(ai_query(fd, w->pid, &q) == 0, "QUERY the worker");
	is_int(q.size, sizeof(q), "QUERY: size is the kernel's");
	is_int(q.pid, w->pid, "QUERY: pid");
	is_int(q.gpu, 0, "QUERY: gpu 0");
	is_int(q.boost_nice, -6, "QUERY: boost_nice -6");
	is_int(q.own_nice, 0, "QUERY: own_nice 0");
	is_int(q.cur_nice, -6, "QUERY: cur_nice -6");
	is_int(q.gpu_state, AI_SCHED_GPU_AVAILABLE, "QUERY: gpu_state available");
	is_int(q.boosted, 1, "QUERY: boosted");
	is_int(q.reg_flags, AI_SCHED_QUERY_OWNED, "QUERY: owned by this fd, not persistent");
	is_int(q.threads, 3, "QUERY: 3 threads");
	is_int(q.boosted_threads, 3, "QUERY: 3 threads held at the boost");
	is_int(q.gpu_util, 10, "QUERY: gpu_util 10");
	ok(ai_query(fd2, w->pid, &q) == 0 && q.reg_flags == 0, "QUERY through another fd: not owned");

	memset(short_q, 0xa5, sizeof(short_q));
	short_q[0] = AI_SCHED_QUERY_SIZE_VER0;
	short_q[1] = 0;
	short_q[2] = w->pid;
	ok(ioctl(fd, AI_SCHED_IOC_QUERY, short_q) == 0 &&
	   short_q[AI_SCHED_QUERY_SIZE_VER0 / 4] == 0xa5a5a5a5,
	   "QUERY writes no more than the caller's size");

	ok(close(fd2) == 0, "close the other fd");
	ok(ai_unregister(fd, w->pid) == 0, "UNREGISTER");
	is_int(nice_of(w->tid[1]), 0, "its threads are back at nice 0");
	is_errno(ai_unregister(fd, 0), ENOENT, "UNREGISTER 0 (the caller, not registered): ENOENT");

	/* A registration ends with its registrar's descriptor... */
	fd3 = ai_open();
	ok(ai_register(fd3, w->pid, -7, 0) == 0, "REGISTER through a third fd");
	is_int(nice_of(w->tid[2]), -7, "boosted");
	close(fd3);
	is_int(nice_of(w->tid[2]), 0, "that fd closed: restored at once");
	is_errno(ai_query(fd, w->pid, &q), ENOENT, "and no longer registered");
	/* ...unless it is persistent. */
	fd3 = ai_open();
	ok(ai_register_f(fd3, w->pid, -7, 0, AI_SCHED_REG_PERSIST) == 0,
	   "REGISTER with AI_SCHED_REG_PERSIST");
	close(fd3);
	ok(ai_query(fd, w->pid, &q) == 0 && q.reg_flags == AI_SCHED_REG_PERSIST && q.boosted,
	   "persistent: still registered and boosted after its fd closed");
	ok(ai_register_f(fd, w->pid, -2, 0, AI_SCHED_REG_PERSIST) == 0,
	   "a CAP_SYS_NICE caller may update a persistent registration");
	is_int(nice_of(w->tid[2]), -2, "at the new nice");
	is_errno(ai_register(fd, w->pid, -2, 0), EBUSY,
		 "but not turn it into one bound to its fd: EBUSY");
	ok(ai_unregister(fd, w->pid) == 0, "UNREGISTER the persistent registration");
	is_int(nice_of(w->tid[2]), 0, "restored");
}

/* A process that registers itself and then closes or exits. */
static void self_lifetime(void)
{
	int p[2], st, v[3] = { 99, 99, 99 };
	pid_t c;

	if (pipe(p))
		return;
	c = fork();
	if (!c) {
		int fd = ai_open();

		v[0] = ai_register(fd, 0, -4, 0) ? -99 : nice_of(0);
		close(fd);
		v[1] = nice_of(0);
		fd = ai_open();
		ai_register(fd, 0, -4, 0);
		v[2] = nice_of(0);
		if (write(p[1], v, sizeof(v)) != sizeof(v))
			_exit(1);
		_exit(0);	/* exits holding the registration */
	}
	close(p[1]);
	ok(read(p[0], v, sizeof(v)) == sizeof(v), "a process registered itself twice");
	waitpid(c, &st, 0);
	is_int(v[0], -4, "self-registration: boosted");
	is_int(v[1], 0, "closing its fd ended it");
	is_int(v[2], -4, "registered again");
	wait_events(1);
	{
		char cnt[32];

		ok(ai_proc_value("AI Tasks", cnt, sizeof(cnt)) && atoi(cnt) == 0,
		   "its exit ended it (AI Tasks: %s)", cnt);
	}
	close(p[0]);
}

/* Run FD's query after an exec: 0 when no longer registered, 2 when still. */
static int exec_check(int fd)
{
	struct ai_sched_query q;

	msleep(300);
	if (ai_query(fd, 0, &q) == 0)
		return 2;
	return errno == ENOENT && nice_of(0) == 0 ? 0 : 1;
}

/* As nobody: register itself, exec @path (set-id root or not). */
static int exec_status(int fd, const char *path)
{
	char arg[16];
	int st;
	pid_t c = fork();

	if (!c) {
		int nfd = dup(fd);	/* without O_CLOEXEC */

		if (ai_register(nfd, 0, -3, 0))
			_exit(3);
		if (nice_of(0) != -3)
			_exit(4);
		snprintf(arg, sizeof(arg), "%d", nfd);
		execl(path, path, "--exec-check", arg, (char *)NULL);
		_exit(5);
	}
	waitpid(c, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int unprivileged(int fd, pid_t root_pid, int have_suid)
{
	struct rlimit rl = { 25, 25 };	/* nice down to 20 - 25 = -5 */
	struct worker mine, more;
	struct ai_sched_query q;

	if (setrlimit(RLIMIT_NICE, &rl) ||
	    setresgid(NOBODY, NOBODY, NOBODY) || setresuid(NOBODY, NOBODY, NOBODY)) {
		printf("Bail out! cannot become nobody: %s\n", strerror(errno));
		return 1;
	}
	ok(open(AI_DEV, O_RDWR) < 0 && errno == EACCES,
	   "nobody cannot open %s (mode 0660 root)", AI_DEV);
	is_errno(ai_register(fd, root_pid, -5, 0), EPERM, "nobody: REGISTER a root process: EPERM");
	is_errno(ai_register(fd, 1, 0, 0), EPERM, "nobody: REGISTER init: EPERM");
	is_errno(ai_register(fd, 0, -11, 0), EPERM, "nobody: below min_nice (-11): EPERM");
	is_errno(ai_register(fd, 0, -6, 0), EACCES,
		 "nobody: beyond RLIMIT_NICE 25 (-6): EACCES");
	is_errno(ai_register_f(fd, 0, -2, 0, AI_SCHED_REG_PERSIST), EPERM,
		 "nobody: AI_SCHED_REG_PERSIST: EPERM");
	is_errno(ai_util(fd, 0, 50), EPERM, "nobody: SET_GPU_UTIL: EPERM");
	is_errno(ai_unregister(fd, root_pid), EPERM, "nobody: UNREGISTER a root process: EPERM");
	ok(ai_query(fd, root_pid, &q) == 0, "nobody: QUERY of a registered root process works");
	is_errno(ai_register(fd, 0x3ffffff0, -5, 0), ESRCH, "nobody: REGISTER a missing pid: ESRCH");

	if (worker_start(&mine, 2) || worker_start(&more, 1)) {
		printf("Bail out! worker: %s\n", strerror(errno));
		return 1;
	}
	ok(ai_register(fd, mine.pid, -5, 0) == 0, "nobody: REGISTER its own process at -5");
	is_int(nice_of(mine.tid[1]), -5, "nobody: its thread is boosted");
	ok(ai_register(fd, 0, -2, 0) == 0, "nobody: REGISTER itself (pid 0)");
	is_errno(ai_register(fd, more.pid, -2, 0), EDQUOT,
		 "nobody: a third registration beyond max_per_user 2: EDQUOT");
	ok(ai_unregister(fd, 0) == 0, "nobody: UNREGISTER itself");
	ok(ai_register(fd, more.pid, -2, 0) == 0, "nobody: below the limit again: accepted");
	ok(ai_unregister(fd, mine.pid) == 0 && ai_unregister(fd, more.pid) == 0,
	   "nobody: UNREGISTER its workers");
	is_int(nice_of(mine.tid[1]), 0, "nobody: its thread is back at 0");
	worker_kill(&mine);
	worker_kill(&more);

	is_int(exec_status(fd, "/tmp/ai_sched_plain"), 2,
	   "exec of a plain program keeps the registration");
	wait_events(1);
	if (have_suid)
		is_int(exec_status(fd, "/tmp/ai_sched_suid"), 0,
		       "exec of a set-uid program ends the registration");
	else
		skip("cannot make a set-uid copy", "exec of a set-uid program ends it");
	return tap_done();
}

static int copy_self(const char *to, mode_t mode)
{
	char buf[65536];
	int in, out;
	ssize_t n;

	in = open("/proc/self/exe", O_RDONLY);
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (in < 0 || out < 0)
		return -1;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			return -1;
	close(in);
	close(out);
	return chmod(to, mode);
}

int main(int argc, char **argv)
{
	struct worker w;
	int fd, fd2, st, have_suid;
	pid_t child;

	if (argc == 3 && !strcmp(argv[1], "--exec-check"))
		return exec_check(atoi(argv[2]));
	fd = ai_open();
	if (ai_param("unknown_boost") != 0 || ai_param("min_nice") != -10) {
		printf("Bail out! needs the module's default parameters\n");
		return 1;
	}
	ai_set_param("stale_ms", "600000");
	if (worker_start(&w, 3)) {
		printf("Bail out! worker: %s\n", strerror(errno));
		return 1;
	}
	abi_errors(fd, &w);
	by_pidfd(fd, &w);
	query_and_owners(fd, &w);
	self_lifetime();

	have_suid = !copy_self("/tmp/ai_sched_plain", 0755) &&
		    !copy_self("/tmp/ai_sched_suid", 04755);
	ai_set_param("max_per_user", "2");
	ok(ai_util(fd, 0, 10) == 0, "util 10%%");
	fd2 = ai_open();
	ok(ai_register(fd2, w.pid, -1, 0) == 0,
	   "root registers a worker for nobody to poke at (through another fd)");
	fflush(stdout);
	child = fork();
	if (!child) {
		/* Continue the TAP numbering in the child, then report back. */
		_exit(unprivileged(fd, w.pid, have_suid) ? 1 : 0);
	}
	waitpid(child, &st, 0);
	close(fd2);
	ai_set_param("max_per_user", "64");
	ai_set_param("stale_ms", "2000");
	worker_kill(&w);
	close(fd);
	/* The child printed its own plan; the parent adds nothing after it. */
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
