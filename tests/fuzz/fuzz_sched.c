// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_sched.c - ai_fuzz's /dev/ai_sched operations (REGISTER, UNREGISTER,
 * SET_GPU_UTIL, QUERY, unknown commands; self, threads, children, dead
 * pids, pidfds, garbage) and its process operations: fork with a child
 * killed mid-operation, dup, SCM_RIGHTS, close racing an ioctl.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "fuzz.h"

/* ENOMEM: documented, seen only under fault injection (61-faultinj). */
static const int reg_errs[] = { EFAULT, EINVAL, E2BIG, ESRCH, EPERM, EACCES,
				EBUSY, EDQUOT, ENOSPC, ENOMEM, 0 };
static const int unreg_errs[] = { EFAULT, EINVAL, E2BIG, ESRCH, EPERM, ENOENT, 0 };
static const int util_errs[] = { EPERM, EFAULT, EINVAL, E2BIG, ENOMEM, 0 };
static const int query_errs[] = { EFAULT, EINVAL, E2BIG, ESRCH, ENOENT, 0 };
static const int race_errs[] = { EBADF, ENOMEM, EDQUOT, EINTR, EINVAL, 0 };

static int pidfd_open(int pid)
{
	return syscall(SYS_pidfd_open, pid, 0);
}

static void make_pet(struct fz_thread *t)
{
	int parent = getpid();

	t->pet = fork();
	if (!t->pet) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(0);
		for (;;)
			pause();
	}
	t->petfd = t->pet > 0 ? pidfd_open(t->pet) : -1;
}

static void make_dead(struct fz_thread *t)
{
	if (t->deadfd >= 0)
		close(t->deadfd);
	t->deadpid = fork();
	if (!t->deadpid)
		_exit(0);
	t->deadfd = t->deadpid > 0 ? pidfd_open(t->deadpid) : -1;
	if (t->deadpid > 0)
		waitpid(t->deadpid, NULL, 0);
}

void fz_thread_fini(struct fz_thread *t)
{
	if (t->pet > 0) {
		kill(t->pet, SIGKILL);
		waitpid(t->pet, NULL, 0);
	}
}

/*
 * A pid for REGISTER/UNREGISTER/QUERY. *want: the errno the pid alone
 * implies (0 if none). *safe: a persistent registration of it ends with
 * the fuzz (it is a fuzz process, or none at all).
 */
static int pick_pid(struct fz_thread *t, int *want, int *safe)
{
	int tid = gettid();

	*want = 0;
	*safe = 1;
	switch (fz_below(t, 11)) {
	case 0:
		return 0;
	case 1:
		return getpid();
	case 2:
		if (tid != getpid())
			*want = ESRCH;	/* a thread id, not a thread-group id */
		return tid;
	case 3:
		*safe = 0;
		return getppid();
	case 4:
		*safe = 0;
		return 1;
	case 5:
		*want = ESRCH;
		return -1 - (int)fz_below(t, 1u << 31);
	case 6:
		*want = ESRCH;
		return 4194305 + fz_below(t, 1u << 30);
	case 7:	/* kthreadd */
		*want = EINVAL;
		return 2;
	case 8:
		*want = FZ_ANY;
		return t->deadpid;
	default:
		return t->pet;
	}
}

static void do_register(struct fz_thread *t)
{
	struct ai_sched_register *r = fz_argbuf();
	int want = fz_pick_size(t, sizeof(*r), AI_SCHED_REGISTER_SIZE_VER0);
	int pwant, safe, fwant = 0, x = fz_below(t, 100);
	void *arg = r;

	r->pid = pick_pid(t, &pwant, &safe);
	r->nice = -20 + (int)fz_below(t, 40);
	r->gpu = fz_below(t, 4);
	if (x < 15 && safe) {
		r->flags = AI_SCHED_REG_PERSIST;
	} else if (x < 35) {
		r->flags = AI_SCHED_REG_PIDFD;
		switch (fz_below(t, 5)) {
		case 0:
			/* a forked child has no pet (0: itself), only the parent's pidfd */
			r->pidfd = t->petfd;
			fwant = r->pid == t->pet && t->pet > 0 && t->petfd >= 0 ? 0 : ESRCH;
			break;
		case 1:
			r->pidfd = t->deadfd;
			fwant = ESRCH;
			break;
		case 2:
			r->pidfd = t->schedfd;
			fwant = ESRCH;
			break;
		case 3:
			r->pidfd = 1000 + fz_below(t, 1000);
			fwant = ESRCH;
			break;
		default:
			r->pidfd = fz_rand(t);
			fwant = ESRCH;
		}
		if (r->pidfd < 0 && fz_chance(t, 50))
			r->pidfd = 0;
	} else if (x < 40) {
		r->flags = 4u << fz_below(t, 30);
		want = want ? want : EINVAL;
	} else if (x < 45) {
		r->pidfd = 1 + fz_below(t, 100);	/* pidfd without the flag */
		want = want ? want : EINVAL;
	}
	if (!want && fz_chance(t, 15)) {
		want = EINVAL;
		if (fz_chance(t, 50))
			r->nice = fz_chance(t, 50) ? 20 + (int)fz_below(t, 1000) :
				  -21 - (int)fz_below(t, 1000);
		else
			r->gpu = 64 + fz_below(t, 1u << 31);
	}
	if (!want)	/* the lookup, then the pidfd, then the kernel thread */
		want = pwant == ESRCH || !fwant ? pwant : fwant;
	/*
	 * -u: then setpriority(2)'s rules. Every process pick_pid() names is
	 * this user's but init; PERSIST and a nice below min_nice need
	 * CAP_SYS_NICE; RLIMIT_NICE (all of ours have the same) is EACCES.
	 */
	if (!want && fz_unpriv)
		want = r->pid == 1 || r->flags & AI_SCHED_REG_PERSIST ||
		       r->nice < fz_min_nice ? EPERM :
		       r->nice < fz_nice_floor ? EACCES : 0;
	if (!want)	/* a valid request may still meet EBUSY, ... */
		want = FZ_ANY;
	if (fz_chance(t, 3)) {
		arg = NULL;
		want = EFAULT;
	}
	fz_check(t, C_REG, ioctl(t->schedfd, AI_SCHED_IOC_REGISTER, arg), errno,
		 reg_errs, want);
}

static void do_unregister(struct fz_thread *t)
{
	struct ai_sched_unregister *u = fz_argbuf();
	int want = fz_pick_size(t, sizeof(*u), AI_SCHED_UNREGISTER_SIZE_VER0);
	int pwant, safe;

	u->pid = pick_pid(t, &pwant, &safe);
	if (!want && fz_chance(t, 15)) {
		if (fz_chance(t, 50))
			u->flags = 1u << fz_below(t, 32);
		else
			u->reserved = 1 + fz_below(t, 1000);
		want = EINVAL;
	}
	if (!want && pwant == ESRCH)
		want = ESRCH;
	fz_check(t, C_UNREG, ioctl(t->schedfd, AI_SCHED_IOC_UNREGISTER, u), errno,
		 unreg_errs, want ? want : FZ_ANY);
}

static void do_util(struct fz_thread *t)
{
	struct ai_sched_gpu_util *g = fz_argbuf();
	int want = fz_pick_size(t, sizeof(*g), AI_SCHED_GPU_UTIL_SIZE_VER0);

	g->gpu = fz_below(t, 4);
	g->util = fz_below(t, 101);
	if (!want && fz_chance(t, 15)) {
		switch (fz_below(t, 3)) {
		case 0:
			g->flags = 1u << fz_below(t, 32);
			break;
		case 1:
			g->gpu = 64 + fz_below(t, 1u << 31);
			break;
		default:
			g->util = 101 + fz_below(t, 1u << 31);
		}
		want = EINVAL;
	}
	/* -u: CAP_SYS_ADMIN is checked before anything else */
	fz_check(t, C_UTIL, ioctl(t->schedfd, AI_SCHED_IOC_SET_GPU_UTIL, g), errno,
		 util_errs, fz_unpriv ? EPERM : want);
}

static void do_query(struct fz_thread *t)
{
	struct ai_sched_query *q = fz_argbuf();
	int want = fz_pick_size(t, sizeof(*q), AI_SCHED_QUERY_SIZE_VER0);
	int pwant, safe;

	q->pid = pick_pid(t, &pwant, &safe);
	if (!want && fz_chance(t, 10)) {
		q->flags = 1u << fz_below(t, 32);
		want = EINVAL;
	}
	if (!want && pwant == ESRCH)
		want = ESRCH;
	if (fz_check(t, C_QUERY, ioctl(t->schedfd, AI_SCHED_IOC_QUERY, q), errno,
		     query_errs, want ? want : FZ_ANY) || want)
		return;
	if (q->boost_nice < -20 || q->boost_nice > 19 || q->gpu >= 64 ||
	    q->reserved || q->gpu_state > AI_SCHED_GPU_SATURATED)
		fz_fail(t, "QUERY of %d: nice %d gpu %u state %u reserved %u",
			q->pid, q->boost_nice, q->gpu, q->gpu_state, q->reserved);
}

static void do_sched_badcmd(struct fz_thread *t)
{
	static const int errs[] = { 0 };
	unsigned long cmd;

	switch (fz_below(t, 3)) {
	case 0:
		cmd = _IO(AI_SCHED_IOC_MAGIC, 5 + fz_below(t, 251));
		break;
	case 1:	/* version 1 */
		cmd = _IO(0xBA, fz_below(t, 8));
		break;
	default:
		cmd = _IOC(1 + fz_below(t, 3), AI_SCHED_IOC_MAGIC,
			   fz_below(t, 5), 1 + fz_below(t, 100));
	}
	fz_check(t, C_SCHED_BADCMD, ioctl(t->schedfd, cmd, fz_argbuf()), errno,
		 errs, ENOTTY);
}

void fz_sched_op(struct fz_thread *t)
{
	int r = fz_below(t, 100);

	if (t->pet <= 0 && !t->child)
		make_pet(t);
	if (!t->deadpid || fz_chance(t, 2))
		make_dead(t);
	if (t->schedfd < 0 || r < 3) {
		if (t->schedfd >= 0)
			close(t->schedfd);	/* ends its registrations */
		t->schedfd = open("/dev/ai_sched", O_RDWR | O_CLOEXEC);
		return;
	}
	if (r < 40)
		do_register(t);
	else if (r < 60)
		do_unregister(t);
	else if (r < 75)
		do_util(t);
	else if (r < 95)
		do_query(t);
	else
		do_sched_badcmd(t);
}

static void do_fork(struct fz_thread *t)
{
	unsigned long ran;
	long budget;
	int i, st;
	pid_t pid;

	for (i = 0; i < FZ_ALLOCS; i++)
		t->allocs[i].dirty = 1;	/* the child may write */
	budget = 20 + fz_below(t, 200);
	if (budget > t->ops_left)
		budget = t->ops_left;
	ran = __atomic_load_n(&fz->child_ops[t->id % FZ_MAXTHREADS], __ATOMIC_RELAXED);
	t->rng ^= fz_rand(t);
	pid = fork();
	if (!pid) {
		t->child = 1;
		t->pet = 0;
		fz_splice_forked(t);
		for (i = 0; i < FZ_FDS; i++)
			t->inherited[i] = 1;
		for (i = 0; i < FZ_MAPS; i++)
			if (t->maps[i].dontfork & FZ_MAP_DONTFORK)
				t->maps[i].addr = NULL;
		t->ops_left = budget;
		fz_run_ops(t);
		_exit(0);
	}
	fz_count(C_FORK, pid < 0 ? -1 : 0, errno);
	if (pid < 0)
		return;
	usleep(fz_below(t, 20000));
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	/* what the child ran comes out of this thread's budget */
	t->ops_left -= __atomic_load_n(&fz->child_ops[t->id % FZ_MAXTHREADS],
				       __ATOMIC_RELAXED) - ran;
	if (WIFSIGNALED(st) && WTERMSIG(st) != SIGKILL)
		fz_fail(t, "forked child died of signal %d", WTERMSIG(st));
}

static int pass_fd(int fd, int keep)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, c = 'x';
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	int sv[2], got = -1;

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv))
		return -1;
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	if (sendmsg(sv[0], &mh, 0) == 1 && keep &&
	    recvmsg(sv[1], &mh, MSG_CMSG_CLOEXEC) == 1) {
		cm = CMSG_FIRSTHDR(&mh);
		if (cm && cm->cmsg_type == SCM_RIGHTS)
			memcpy(&got, CMSG_DATA(cm), sizeof(int));
	}
	close(sv[0]);
	close(sv[1]);	/* unreceived: the descriptor dies in flight */
	return keep ? got : 0;
}

struct race {
	struct fz_thread *t;
	int fd;
};

static void *racer(void *p)
{
	struct race *rc = p;
	int i;

	for (i = 0; i < 40; i++) {
		struct ai_mem_alloc a = { .size = sizeof(a), .length = 4096 * (1 + i % 4),
					  .node = AI_MEM_NODE_ANY };
		struct ai_mem_free f = { .size = sizeof(f) };
		char *m;

		if (fz_check(rc->t, C_RACE, ioctl(rc->fd, AI_MEM_IOC_ALLOC, &a), errno,
			     race_errs, FZ_ANY))
			continue;
		m = mmap(NULL, a.length, PROT_READ | PROT_WRITE, MAP_SHARED, rc->fd,
			 a.offset);
		if (m != MAP_FAILED) {
			m[0] = 1;
			munmap(m, a.length);
		}
		f.offset = a.offset;
		fz_check(rc->t, C_RACE, ioctl(rc->fd, AI_MEM_IOC_FREE, &f), errno,
			 race_errs, FZ_ANY);
	}
	return NULL;
}

static void do_race(struct fz_thread *t)
{
	struct race rc = { .t = t, .fd = 600 + t->id % 400 };
	int fd = open("/dev/ai_mem", O_RDWR | O_CLOEXEC);
	pthread_t th;

	if (fd < 0 || dup2(fd, rc.fd) < 0)
		return;
	close(fd);
	if (pthread_create(&th, NULL, racer, &rc)) {
		close(rc.fd);
		return;
	}
	usleep(fz_below(t, 3000));
	close(rc.fd);
	pthread_join(th, NULL);
}

void fz_proc_op(struct fz_thread *t)
{
	int slot = fz_below(t, FZ_FDS), r = fz_below(t, 100), fd;

	if (t->memfd[slot] < 0)
		return;
	if (!fz_forks && (r < 25 || r >= 75))
		r = 25 + r % 50;	/* -d: only what repeats exactly */
	if (r < 25 && !t->child) {
		do_fork(t);
	} else if (r < 50) {
		fd = dup(t->memfd[slot]);
		fz_count(C_DUP, fd, errno);
		if (fd < 0)
			return;
		if (fz_chance(t, 50) && !(t->child && t->inherited[slot]))
			fz_do_free(t, slot, fd);
		else
			fz_do_info(t, fd);
		close(fd);
	} else if (r < 75 || t->child) {
		int keep = fz_chance(t, 70), sched = fz_chance(t, 20);

		fd = pass_fd(sched ? t->schedfd : t->memfd[slot], keep);
		fz_count(C_SCM, fd, errno);
		if (fd <= 0)
			return;
		if (sched) {	/* the received file is the registrar's */
			close(fd);
			return;
		}
		fz_do_info(t, fd);
		if (!(t->child && t->inherited[slot]))
			fz_do_free(t, slot, fd);
		close(fd);
	} else {
		do_race(t);
	}
}
