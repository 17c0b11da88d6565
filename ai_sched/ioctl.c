// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/ai_sched ioctls (ABI v2, include/uapi/linux/ai_sched.h). Every
 * argument is a size-first structure copied with copy_struct_from_user()
 * and checked in whole before anything is looked up; the errors, and the
 * order they are checked in, are documented in docs/ai_sched.md.
 *
 * Privilege: a caller may register only processes it could renice itself
 * (setpriority(2)'s ownership rule), at a nice RLIMIT_NICE of the target
 * allows (can_nice()) and not below min_nice, unless it has CAP_SYS_NICE;
 * only a CAP_SYS_NICE caller may make a registration persistent.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/dcache.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/prio.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/uaccess.h>
#include "internal.h"

/*
 * Copy a size-first structure: at least @min bytes, at most a page; bytes
 * past @ksize must be zero (E2BIG). Returns the caller's size or -errno.
 */
static long ai_sched_copy_in(void *karg, size_t ksize, size_t min,
			     void __user *uarg)
{
	u32 usize;
	int ret;

	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	if (usize < min)
		return -EINVAL;
	if (usize > PAGE_SIZE)
		return -E2BIG;
	ret = copy_struct_from_user(karg, ksize, uarg, usize);
	if (ret)
		return ret;	/* not "ret ?: usize": that would be unsigned */
	return usize;
}

/*
 * The thread-group pid @nr names in the caller's pid namespace (0: the
 * caller), with a reference, and its live leader in *taskp (referenced too).
 * A thread id that is not a thread-group id is "no such process".
 */
static struct pid *ai_sched_get_process(s32 nr, struct task_struct **taskp)
{
	struct task_struct *p;
	struct pid *pid;

	if (nr < 0)
		return ERR_PTR(-ESRCH);
	pid = nr ? find_get_pid(nr) : get_task_pid(current, PIDTYPE_TGID);
	if (!pid)
		return ERR_PTR(-ESRCH);
	p = get_pid_task(pid, PIDTYPE_TGID);
	if (!p || (p->flags & PF_EXITING)) {
		if (p)
			put_task_struct(p);
		put_pid(pid);
		return ERR_PTR(-ESRCH);
	}
	*taskp = p;
	return pid;
}

/*
 * Does the pidfd @fd refer to @pid? Neither kernel exports a way to read a
 * pidfd (pidfd_pid(), pidfd_get_pid() are not exported), so the file is
 * recognised by what it is: on 6.9+ a pidfs file (PID_FS_MAGIC), before
 * that an anonymous inode named "[pidfd]"; the struct pid it holds
 * (private_data on 6.1, the inode's i_private on pidfs) is only compared
 * with the one @pid names, never dereferenced, so a misreading can only
 * refuse, never act on a wrong process.
 */
static bool ai_sched_pidfd_is(int fd, struct pid *pid)
{
	struct file *f = fget(fd);
	unsigned long magic;
	bool ok = false;

	if (!f)
		return false;
	magic = file_inode(f)->i_sb->s_magic;
#ifdef PID_FS_MAGIC
	if (magic == PID_FS_MAGIC)
		ok = file_inode(f)->i_private == pid || f->private_data == pid;
#endif
	if (magic == ANON_INODE_FS_MAGIC &&
	    !strcmp(f->f_path.dentry->d_name.name, "[pidfd]"))
		ok = f->private_data == pid;
	fput(f);
	return ok;
}

/* Same rule as setpriority(2): our euid owns it, or CAP_SYS_NICE over it. */
static bool ai_sched_may_renice(struct task_struct *p)
{
	const struct cred *cred = current_cred(), *pcred;
	bool ok;

	rcu_read_lock();
	pcred = __task_cred(p);
	ok = uid_eq(pcred->uid, cred->euid) || uid_eq(pcred->euid, cred->euid) ||
	     ns_capable(pcred->user_ns, CAP_SYS_NICE);
	rcu_read_unlock();
	return ok;
}

/* What a caller may ask for @p, before any state is looked at. */
static long ai_sched_register_allowed(struct task_struct *p,
				      const struct ai_sched_register *req,
				      bool cap)
{
	if (p->flags & PF_KTHREAD)
		return -EINVAL;
	if (!ai_sched_may_renice(p))
		return -EPERM;
	if (cap)
		return 0;
	if (req->flags & AI_SCHED_REG_PERSIST)
		return -EPERM;
	if (req->nice < READ_ONCE(ai_sched_min_nice))
		return -EPERM;
	/* RLIMIT_NICE of the target, as setpriority() checks it. */
	if (!can_nice(p, req->nice))
		return -EACCES;
	return 0;
}

/* Registering again: same fd, or a persistent one by a CAP_SYS_NICE caller. */
static long ai_sched_reregister(struct ai_sched_proc *proc,
				struct ai_sched_file *f,
				const struct ai_sched_register *req, bool cap)
{
	bool persist = req->flags & AI_SCHED_REG_PERSIST;
	long ret;

	if (proc->owner ? proc->owner != f || persist : !cap || !persist)
		return -EBUSY;
	if (proc->boost_nice == req->nice && proc->gpu == req->gpu)
		return 0;
	ret = ai_sched_gpu_use(req->gpu);
	if (ret)
		return ret;
	/* Restore at the old values, boost again at the new ones. */
	ai_sched_proc_unboost(proc);
	proc->boost_nice = req->nice;
	proc->gpu = req->gpu;
	ai_sched_proc_update(proc, false);
	return 0;
}

static long ai_sched_ioc_register(struct ai_sched_file *f, void __user *uarg)
{
	bool cap = capable(CAP_SYS_NICE);
	struct ai_sched_register req;
	struct ai_sched_proc *proc;
	struct task_struct *p;
	struct pid *pid;
	long ret;

	ret = ai_sched_copy_in(&req, sizeof(req), AI_SCHED_REGISTER_SIZE_VER0,
			       uarg);
	if (ret < 0)
		return ret;
	if ((req.flags & ~AI_SCHED_REG_FLAGS) ||
	    (!(req.flags & AI_SCHED_REG_PIDFD) && req.pidfd) ||
	    req.nice < MIN_NICE || req.nice > MAX_NICE ||
	    req.gpu >= READ_ONCE(ai_sched_max_gpus))
		return -EINVAL;

	pid = ai_sched_get_process(req.pid, &p);
	if (IS_ERR(pid))
		return PTR_ERR(pid);
	if ((req.flags & AI_SCHED_REG_PIDFD) &&
	    !ai_sched_pidfd_is(req.pidfd, pid))
		ret = -ESRCH;
	else
		ret = ai_sched_register_allowed(p, &req, cap);
	put_task_struct(p);
	if (ret)
		goto out;

	mutex_lock(&ai_sched_lock);
	proc = ai_sched_proc_lookup(pid);
	if (proc)
		ret = ai_sched_reregister(proc, f, &req, cap);
	else if (ai_sched_nr_procs >= READ_ONCE(ai_sched_max_tasks))
		ret = -ENOSPC;
	else if (!cap && ai_sched_user_count(current_euid()) >=
		 READ_ONCE(ai_sched_max_per_user))
		ret = -EDQUOT;
	else
		ret = ai_sched_proc_register(pid, req.nice, req.gpu,
					     req.flags & AI_SCHED_REG_PERSIST ?
					     NULL : f, !cap);
	mutex_unlock(&ai_sched_lock);
out:
	put_pid(pid);
	return ret;
}

static long ai_sched_ioc_unregister(struct ai_sched_file *f,
				    void __user *uarg)
{
	struct ai_sched_unregister req;
	struct ai_sched_proc *proc;
	struct task_struct *p;
	struct pid *pid;
	bool may;
	long ret;

	ret = ai_sched_copy_in(&req, sizeof(req),
			       AI_SCHED_UNREGISTER_SIZE_VER0, uarg);
	if (ret < 0)
		return ret;
	if (req.flags || req.reserved)
		return -EINVAL;
	pid = ai_sched_get_process(req.pid, &p);
	if (IS_ERR(pid))
		return PTR_ERR(pid);
	may = ai_sched_may_renice(p);
	put_task_struct(p);

	mutex_lock(&ai_sched_lock);
	proc = ai_sched_proc_lookup(pid);
	if (!proc) {
		ret = -ENOENT;
	} else if (!may && proc->owner != f) {
		ret = -EPERM;
	} else {
		ai_sched_proc_unregister(proc);
		ret = 0;
	}
	mutex_unlock(&ai_sched_lock);
	put_pid(pid);
	return ret;
}

static long ai_sched_ioc_set_gpu_util(void __user *uarg)
{
	struct ai_sched_gpu_util req;
	long ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = ai_sched_copy_in(&req, sizeof(req), AI_SCHED_GPU_UTIL_SIZE_VER0,
			       uarg);
	if (ret < 0)
		return ret;
	if (req.flags || req.gpu >= READ_ONCE(ai_sched_max_gpus) ||
	    req.util > 100)
		return -EINVAL;

	/* Act now: only the processes of a GPU whose decision changed. */
	mutex_lock(&ai_sched_lock);
	ret = ai_sched_gpu_report(req.gpu, req.util);
	if (ret > 0)
		ai_sched_update_gpu(req.gpu);
	mutex_unlock(&ai_sched_lock);
	if (ret < 0)
		return ret;
	ai_sched_stale_arm();
	return 0;
}

static long ai_sched_ioc_query(struct ai_sched_file *f, void __user *uarg)
{
	struct ai_sched_query q;
	struct ai_sched_view v;
	struct ai_sched_proc *proc;
	struct task_struct *p;
	unsigned int util;
	struct pid *pid;
	long usize, ret = 0;

	usize = ai_sched_copy_in(&q, sizeof(q), AI_SCHED_QUERY_SIZE_VER0,
				 uarg);
	if (usize < 0)
		return usize;
	if (q.flags)
		return -EINVAL;
	pid = ai_sched_get_process(q.pid, &p);
	if (IS_ERR(pid))
		return PTR_ERR(pid);
	put_task_struct(p);

	mutex_lock(&ai_sched_lock);
	proc = ai_sched_proc_lookup(pid);
	if (!proc || !ai_sched_proc_view(proc, &v)) {
		ret = -ENOENT;
	} else {
		memset(&q, 0, sizeof(q));
		q.size = sizeof(q);
		q.pid = pid_vnr(pid);
		q.gpu = proc->gpu;
		q.boost_nice = proc->boost_nice;
		q.own_nice = v.own_nice;
		q.cur_nice = v.cur_nice;
		q.gpu_state = ai_sched_gpu_state(proc->gpu);
		q.boosted = proc->boosted;
		q.reg_flags = proc->owner ? 0 : AI_SCHED_REG_PERSIST;
		if (proc->owner == f)
			q.reg_flags |= AI_SCHED_QUERY_OWNED;
		q.threads = v.threads;
		q.boosted_threads = v.boosted_threads;
		q.gpu_util = ai_sched_gpu_util(proc->gpu, &util) ?
			util : AI_SCHED_UTIL_NONE;
	}
	mutex_unlock(&ai_sched_lock);
	put_pid(pid);
	if (!ret && copy_to_user(uarg, &q, min_t(size_t, usize, sizeof(q))))
		ret = -EFAULT;
	return ret;
}

long ai_sched_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct ai_sched_file *f = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case AI_SCHED_IOC_REGISTER:
		return ai_sched_ioc_register(f, uarg);
	case AI_SCHED_IOC_UNREGISTER:
		return ai_sched_ioc_unregister(f, uarg);
	case AI_SCHED_IOC_SET_GPU_UTIL:
		return ai_sched_ioc_set_gpu_util(uarg);
	case AI_SCHED_IOC_QUERY:
		return ai_sched_ioc_query(f, uarg);
	default:
		return -ENOTTY;
	}
}
