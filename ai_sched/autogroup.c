// SPDX-License-Identifier: GPL-2.0
/*
 * Making the boost work across sessions when CONFIG_SCHED_AUTOGROUP is on.
 *
 * With autogroup enabled every session is its own task group, and the
 * scheduler first shares the CPU between groups, by group weight, and only
 * then between the tasks of a group by nice. A nice boost therefore does
 * nothing against a CPU hog started from another session. The kernel exports
 * two autogroup calls to modules (on 6.1 and 6.12 alike):
 * sched_autogroup_detach(), which moves a whole thread group into the root
 * task group, and sched_autogroup_create_attach(), which gives it a fresh
 * autogroup of its own (what setsid() does).
 *
 * So a boosted process is detached: in the root group each of its threads
 * competes with the other sessions' group entities by its own (boosted)
 * weight. When the boost ends it gets an autogroup of its own again. That is
 * not the group it came from (nothing exported can re-join a given group):
 * it ends up as if it had called setsid(), which is what a daemon normally
 * is anyway. If anyone moved it meanwhile (its signal->autogroup no longer
 * is the one we put it in), it is left where it is. The pointer is only
 * compared, never dereferenced: struct autogroup is private to the
 * scheduler.
 *
 * Both calls take the target's sighand lock and WARN if the process has
 * already been reaped; we only call them on a process that is not exiting,
 * holding a reference to its leader, in the tick or ioctl (process context).
 */
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/sched.h>
#include <linux/sched/autogroup.h>
#include <linux/sched/signal.h>
#include "internal.h"

#ifdef CONFIG_SCHED_AUTOGROUP
static bool ai_sched_group_alive(struct task_struct *leader)
{
	return !(leader->flags & PF_EXITING) && !leader->exit_state &&
	       !(READ_ONCE(leader->signal->flags) & SIGNAL_GROUP_EXIT);
}

void ai_sched_ag_detach(struct ai_sched_proc *p, struct task_struct *leader)
{
	struct autogroup *before;

	if (!READ_ONCE(ai_sched_autogroup) || !ai_sched_group_alive(leader))
		return;
	before = READ_ONCE(leader->signal->autogroup);
	sched_autogroup_detach(leader);
	p->ag_ours = READ_ONCE(leader->signal->autogroup);
	/* Already in the root group (e.g. started by init): nothing to undo. */
	p->ag_moved = p->ag_ours != before;
}

void ai_sched_ag_restore(struct ai_sched_proc *p, struct task_struct *leader)
{
	if (!p->ag_moved)
		return;
	p->ag_moved = false;
	if (ai_sched_group_alive(leader) &&
	    READ_ONCE(leader->signal->autogroup) == p->ag_ours)
		sched_autogroup_create_attach(leader);
}

/*
 * The runtime switch (kernel.sched_autogroup_enabled, off by default on
 * Debian) lives in a variable the scheduler keeps to itself; its sysctl file
 * is the only interface, so /proc/ai_scheduler reads that. 1 on, 0 off, -1
 * when it cannot be read (no /proc in the reader's mount namespace).
 */
int ai_sched_ag_enabled(void)
{
	char buf[4] = "";
	struct file *f;
	loff_t pos = 0;
	ssize_t n;

	f = filp_open("/proc/sys/kernel/sched_autogroup_enabled", O_RDONLY, 0);
	if (IS_ERR(f))
		return -1;
	n = kernel_read(f, buf, sizeof(buf) - 1, &pos);
	filp_close(f, NULL);
	if (n <= 0)
		return -1;
	return buf[0] == '1';
}
#else
void ai_sched_ag_detach(struct ai_sched_proc *p, struct task_struct *leader)
{
}

void ai_sched_ag_restore(struct ai_sched_proc *p, struct task_struct *leader)
{
}

int ai_sched_ag_enabled(void)
{
	return 0;
}
#endif
