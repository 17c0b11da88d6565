// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/ai_sched ioctls. Every argument is copied in whole and checked before
 * anything is looked up; errors are documented in docs/ai_sched.md.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/prio.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/uaccess.h>
#include "internal.h"

/*
 * The thread-group pid @nr names in the caller's pid namespace (0: the
 * caller), with a reference, and its live leader in *taskp (referenced too).
 * A thread id that is not a thread-group id is "no such process".
 */
static struct pid *ai_sched_get_process(s32 nr, struct task_struct **taskp)
{
	struct task_struct *p;
	struct pid *pid;

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

static long ai_sched_ioc_register(void __user *uarg)
{
	struct ai_sched_task req;
	struct task_struct *p;
	struct pid *pid;
	long ret;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.nice < MIN_NICE || req.nice > MAX_NICE ||
	    req.gpu >= AI_SCHED_MAX_GPUS || req.flags)
		return -EINVAL;

	pid = ai_sched_get_process(req.pid, &p);
	if (IS_ERR(pid))
		return PTR_ERR(pid);

	if (p->flags & PF_KTHREAD)
		ret = -EINVAL;
	else if (!ai_sched_may_renice(p))
		ret = -EPERM;
	else if (req.nice < READ_ONCE(ai_sched_min_nice) &&
		 !capable(CAP_SYS_NICE))
		ret = -EPERM;
	else
		ret = 0;

	if (!ret) {
		mutex_lock(&ai_sched_lock);
		ret = ai_sched_proc_register(pid, req.nice, req.gpu);
		mutex_unlock(&ai_sched_lock);
	}
	put_task_struct(p);
	put_pid(pid);
	return ret;
}

static long ai_sched_ioc_unregister(s32 __user *uarg)
{
	struct ai_sched_proc *proc;
	struct task_struct *p;
	struct pid *pid;
	long ret = 0;
	s32 nr;

	if (get_user(nr, uarg))
		return -EFAULT;
	pid = ai_sched_get_process(nr, &p);
	if (IS_ERR(pid))
		return PTR_ERR(pid);
	if (!ai_sched_may_renice(p))
		ret = -EPERM;
	put_task_struct(p);

	if (!ret) {
		mutex_lock(&ai_sched_lock);
		proc = ai_sched_proc_lookup(pid);
		if (proc)
			ai_sched_proc_unregister(proc);
		else
			ret = -ENOENT;
		mutex_unlock(&ai_sched_lock);
	}
	put_pid(pid);
	return ret;
}

static long ai_sched_ioc_set_gpu_util(void __user *uarg)
{
	struct ai_sched_gpu_util req;
	unsigned int threads = 0;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.gpu >= AI_SCHED_MAX_GPUS || req.util > 100 || req.reserved)
		return -EINVAL;

	/* Act now rather than at the next tick: the agent knows best. */
	mutex_lock(&ai_sched_lock);
	ai_sched_gpu_report(req.gpu, req.util);
	ai_sched_update_all(req.gpu, &threads);
	mutex_unlock(&ai_sched_lock);
	return 0;
}

static long ai_sched_ioc_set_task_gpu(void __user *uarg)
{
	struct ai_sched_task_gpu req;
	struct ai_sched_proc *proc;
	struct task_struct *p;
	struct pid *pid;
	long ret = 0;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.reserved)
		return -EINVAL;
	pid = ai_sched_get_process(req.pid, &p);
	if (IS_ERR(pid))
		return PTR_ERR(pid);
	put_task_struct(p);

	mutex_lock(&ai_sched_lock);
	proc = ai_sched_proc_lookup(pid);
	if (proc) {
		proc->gpu_busy_ns = req.gpu_busy_ns;
		proc->gpu_busy_valid = true;
	} else {
		ret = -ENOENT;
	}
	mutex_unlock(&ai_sched_lock);
	put_pid(pid);
	return ret;
}

long ai_sched_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case AI_SCHED_IOC_REGISTER:
		return ai_sched_ioc_register(uarg);
	case AI_SCHED_IOC_UNREGISTER:
		return ai_sched_ioc_unregister(uarg);
	case AI_SCHED_IOC_SET_GPU_UTIL:
		return ai_sched_ioc_set_gpu_util(uarg);
	case AI_SCHED_IOC_SET_TASK_GPU:
		return ai_sched_ioc_set_task_gpu(uarg);
	default:
		return -ENOTTY;
	}
}
