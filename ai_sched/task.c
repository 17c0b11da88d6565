// SPDX-License-Identifier: GPL-2.0
/*
 * The registered processes: boosting their threads, restoring them, and
 * forgetting them.
 *
 * The lever is the nice value alone, set with set_user_nice(): it takes the
 * runqueue lock itself and changes nothing but the nice (static priority)
 * of the thread, never its policy, RT priority, slice or reset-on-fork
 * flag. A thread in an RT or deadline class is never boosted; one that
 * switches to such a class while boosted keeps its class and RT priority
 * (set_user_nice() does not touch them) and gets its nice back at restore.
 *
 * A boost is "min(own nice, boost nice)" for every thread. Each thread we
 * touch is remembered (struct ai_sched_thread) with the nice it had and the
 * nice we set; restore puts the old value back only if the thread still has
 * ours, so a change made by anyone else in the meantime wins. Records exist
 * only while the process is boosted.
 *
 * Threads are walked once per boost, and again only when the probes
 * (events.c) saw a thread of the process born or die while it is boosted.
 * What a boosted thread forks inherits the boost; the task_newtask probe
 * gives the child the nice it would have inherited without us before it
 * first runs, and a new thread is then boosted on a record of its own.
 *
 * Exit: nothing to undo for a dead thread. The probes flag the process and
 * the event work frees its entry.
 */
#include <linux/cred.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include "internal.h"

#define AI_SCHED_FEW_THREADS	16

/* Indexed by pid_nr() of the thread-group pid. Under ai_sched_lock. */
DEFINE_XARRAY(ai_sched_procs);
unsigned int ai_sched_nr_procs;

/* Registrations per registrar euid (xa_mk_value counts). Under the lock. */
static DEFINE_XARRAY(ai_sched_users);

unsigned int ai_sched_user_count(kuid_t uid)
{
	void *e = xa_load(&ai_sched_users, __kuid_val(uid));

	lockdep_assert_held(&ai_sched_lock);
	return e ? xa_to_value(e) : 0;
}

static int ai_sched_user_charge(kuid_t uid, int delta)
{
	unsigned long n = ai_sched_user_count(uid) + delta;

	if (!n) {
		xa_erase(&ai_sched_users, __kuid_val(uid));
		return 0;
	}
	return xa_err(xa_store(&ai_sched_users, __kuid_val(uid),
			       xa_mk_value(n), GFP_KERNEL));
}

static void ai_sched_thread_free(struct ai_sched_proc *p, unsigned long tid,
				 struct ai_sched_thread *rec)
{
	xa_erase(&p->threads, tid);
	put_pid(rec->pid);
	kfree_rcu(rec, rcu);
}

/* Forget every thread record without touching the threads. */
static void ai_sched_threads_forget(struct ai_sched_proc *p)
{
	struct ai_sched_thread *rec;
	unsigned long tid;

	xa_for_each(&p->threads, tid, rec)
		ai_sched_thread_free(p, tid, rec);
}

static bool ai_sched_fair(struct task_struct *t)
{
	unsigned int policy = READ_ONCE(t->policy);

	return policy == SCHED_NORMAL || policy == SCHED_BATCH ||
	       policy == SCHED_IDLE;
}

/*
 * Give every thread we boosted its own nice back, unless it was changed.
 * The check and set_user_nice() are two steps: a setpriority() landing
 * exactly between them is overwritten (see docs). The records of restored
 * threads stay (AI_THR_RESTORED) while the process is registered, so that
 * the fork probe can still correct a child that copied the boost just
 * before its parent was restored; @forget drops them too.
 */
static void ai_sched_threads_restore(struct ai_sched_proc *p, bool forget)
{
	struct ai_sched_thread *rec;
	struct task_struct *t;
	unsigned long tid;

	WRITE_ONCE(p->boosted, false);
	xa_for_each(&p->threads, tid, rec) {
		t = rec->mode == AI_THR_BOOSTED ?
			get_pid_task(rec->pid, PIDTYPE_PID) : NULL;
		if (t) {
			WRITE_ONCE(rec->mode, AI_THR_RESTORED);
			smp_mb();	/* mode before nice, for the probe */
			if (task_nice(t) == rec->applied_nice)
				set_user_nice(t, rec->orig_nice);
			put_task_struct(t);
		}
		if (forget || rec->mode != AI_THR_RESTORED)
			ai_sched_thread_free(p, tid, rec);
		cond_resched();
	}
}

static struct ai_sched_thread *ai_sched_thread_new(struct ai_sched_proc *p,
						   struct task_struct *t)
{
	struct ai_sched_thread *rec;

	rec = kzalloc(sizeof(*rec), GFP_KERNEL);
	if (!rec)
		return NULL;
	rec->pid = get_pid(task_pid(t));
	rec->orig_nice = task_nice(t);
	rec->mode = AI_THR_UNTOUCHED;
	if (xa_err(xa_store(&p->threads, t->pid, rec, GFP_KERNEL))) {
		put_pid(rec->pid);
		kfree(rec);
		return NULL;
	}
	return rec;
}

/* One thread of a boosted process: record it, boost it if it needs it. */
static bool ai_sched_thread_boost(struct ai_sched_proc *p,
				  struct task_struct *t)
{
	struct ai_sched_thread *rec;
	int nice = task_nice(t);

	rec = xa_load(&p->threads, t->pid);
	if (rec && rec->pid != task_pid(t)) {
		/* Its tid was reused by a new thread. */
		ai_sched_thread_free(p, t->pid, rec);
		rec = NULL;
	}
	if (!rec) {
		rec = ai_sched_thread_new(p, t);
		if (!rec)
			return false;	/* the next event tries again */
	}
	rec->seen = p->gen;

	if (rec->mode == AI_THR_BOOSTED && nice != rec->applied_nice)
		WRITE_ONCE(rec->mode, AI_THR_HANDS_OFF);
	if (rec->mode == AI_THR_RESTORED) {
		/*
		 * Still (or again) at the old boost although we restored
		 * it: a sched_setscheduler() on the thread read its nice
		 * before our restore and wrote it back after (the scheduler
		 * reads static_prio outside the runqueue lock). Its own nice
		 * is still the one recorded: keep that one, whatever its
		 * policy now (the nice is ours to give back either way).
		 */
		if (nice == rec->applied_nice && nice == p->boost_nice) {
			/* Pairs with the fork probe's acquire. */
			smp_store_release(&rec->mode, AI_THR_BOOSTED);
			return true;
		}
		/*
		 * Not to be boosted now (RT at the moment, or its nice is
		 * low already): it stays a restored record, so that such a
		 * late write-back is still recognised at a later boost.
		 */
		if (nice <= p->boost_nice || !ai_sched_fair(t))
			return true;
		WRITE_ONCE(rec->mode, AI_THR_UNTOUCHED);
	}
	if (rec->mode == AI_THR_UNTOUCHED && nice > p->boost_nice &&
	    ai_sched_fair(t)) {
		WRITE_ONCE(rec->orig_nice, nice);
		WRITE_ONCE(rec->applied_nice, p->boost_nice);
		/* Visible to the fork probe before the nice changes. */
		smp_store_release(&rec->mode, AI_THR_BOOSTED);
		set_user_nice(t, p->boost_nice);
	}
	return true;
}

/*
 * Bring every live thread to min(own nice, boost). The thread list is
 * walked under RCU, but records are allocated with GFP_KERNEL, so the
 * threads are pinned first and handled after. A thread born during the walk
 * is reported by the fork probe, which queues another walk.
 */
static void ai_sched_threads_boost(struct ai_sched_proc *p,
				   struct task_struct *leader)
{
	struct task_struct *few[AI_SCHED_FEW_THREADS], **tasks = few, *t;
	unsigned int n = 0, max = ARRAY_SIZE(few), i;
	struct ai_sched_thread *rec;
	bool complete = true;
	unsigned long tid;

	if (get_nr_threads(leader) + 4 > max) {
		max = get_nr_threads(leader) + 4;
		tasks = kvmalloc_array(max, sizeof(*tasks), GFP_KERNEL);
		if (!tasks)
			return;
	}
	/* New threads see "boosted" in the probe from here on. */
	WRITE_ONCE(p->boosted, true);
	/* boosted before the list read; pairs with the fork probe's. */
	smp_mb();
	rcu_read_lock();
	for_each_thread(leader, t) {
		if (n == max) {
			complete = false;
			break;
		}
		if (t->exit_state)
			continue;
		get_task_struct(t);
		tasks[n++] = t;
	}
	rcu_read_unlock();

	p->gen++;
	for (i = 0; i < n; i++) {
		if (!ai_sched_thread_boost(p, tasks[i]))
			complete = false;
		put_task_struct(tasks[i]);
		cond_resched();
	}
	if (tasks != few)
		kvfree(tasks);

	/* Records of threads that are gone. */
	if (!complete) {
		set_bit(AI_PEND_RESCAN, &p->pending);
		return;
	}
	xa_for_each(&p->threads, tid, rec)
		if (rec->seen != p->gen)
			ai_sched_thread_free(p, tid, rec);
}

/* Set at unload, under the lock: nothing is boosted any more. */
static bool ai_sched_stopping;

static bool ai_sched_want_boost(struct ai_sched_proc *p)
{
	if (ai_sched_stopping)
		return false;
	switch (ai_sched_gpu_state(p->gpu)) {
	case AI_GPU_AVAILABLE:
		return true;
	case AI_GPU_SATURATED:
		return false;
	default:
		return READ_ONCE(ai_sched_unknown_boost);
	}
}

/* Drop the entry; its threads must be restored or dead already. */
static void ai_sched_proc_free(struct ai_sched_proc *p)
{
	lockdep_assert_held(&ai_sched_lock);
	ai_sched_threads_forget(p);
	xa_erase(&ai_sched_procs, pid_nr(p->pid));
	ai_sched_nr_procs--;
	if (p->owner)
		list_del(&p->owner_node);
	if (p->charged)
		ai_sched_user_charge(p->uid, -1);
	xa_destroy(&p->threads);
	put_pid(p->pid);
	kfree_rcu(p, rcu);
}

static bool ai_sched_group_dead(struct task_struct *leader)
{
	return !atomic_read(&leader->signal->live);
}

/*
 * Re-evaluate one process: boost or restore as its GPU says, walk its
 * threads again if @rescan. Frees the entry when the process is gone.
 */
void ai_sched_proc_update(struct ai_sched_proc *p, bool rescan)
{
	struct task_struct *leader;

	lockdep_assert_held(&ai_sched_lock);
	leader = get_pid_task(p->pid, PIDTYPE_TGID);
	if (!leader || ai_sched_group_dead(leader)) {
		if (leader)
			put_task_struct(leader);
		ai_sched_proc_free(p);
		return;
	}
	if (ai_sched_want_boost(p)) {
		if (!p->boosted || rescan)
			ai_sched_threads_boost(p, leader);
	} else if (p->boosted) {
		ai_sched_threads_restore(p, false);
	}
	put_task_struct(leader);
}

/* The entry for @pid, or NULL; a stale entry under the same number is freed. */
struct ai_sched_proc *ai_sched_proc_lookup(struct pid *pid)
{
	struct ai_sched_proc *p;

	lockdep_assert_held(&ai_sched_lock);
	p = xa_load(&ai_sched_procs, pid_nr(pid));
	if (p && p->pid != pid) {
		/*
		 * The number was freed and reused, so the old process is
		 * reaped: nothing of it is left to restore.
		 */
		ai_sched_proc_free(p);
		p = NULL;
	}
	return p;
}

/*
 * A new registration (the caller checked that none exists for @pid).
 * @owner: the registrar's file, or NULL for a persistent one; @charge:
 * count it against the caller's euid.
 */
int ai_sched_proc_register(struct pid *pid, int nice, unsigned int gpu,
			   struct ai_sched_file *owner, bool charge)
{
	struct ai_sched_proc *p;
	int ret;

	lockdep_assert_held(&ai_sched_lock);
	ret = ai_sched_gpu_use(gpu);
	if (ret)
		return ret;
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	p->pid = get_pid(pid);
	p->boost_nice = nice;
	p->gpu = gpu;
	p->uid = current_euid();
	xa_init(&p->threads);
	if (charge) {
		ret = ai_sched_user_charge(p->uid, 1);
		if (ret)
			goto err_free;
		p->charged = true;
	}
	ret = xa_insert(&ai_sched_procs, pid_nr(pid), p, GFP_KERNEL);
	if (ret)
		goto err_uncharge;
	ai_sched_nr_procs++;
	p->owner = owner;
	if (owner)
		list_add(&p->owner_node, &owner->procs);
	ai_sched_proc_update(p, false);
	return 0;

err_uncharge:
	if (charge)
		ai_sched_user_charge(p->uid, -1);
err_free:
	put_pid(p->pid);
	kfree(p);
	return ret;
}

/* Restore a boosted process's threads, keeping its registration. */
void ai_sched_proc_unboost(struct ai_sched_proc *p)
{
	lockdep_assert_held(&ai_sched_lock);
	if (p->boosted)
		ai_sched_threads_restore(p, false);
}

/* Undo everything we did to a live process and forget it. */
void ai_sched_proc_unregister(struct ai_sched_proc *p)
{
	lockdep_assert_held(&ai_sched_lock);
	ai_sched_threads_restore(p, true);
	ai_sched_proc_free(p);
}

/* Re-evaluate the processes of @gpu (all when < 0). */
void ai_sched_update_gpu(int gpu)
{
	struct ai_sched_proc *p;
	unsigned long idx;

	lockdep_assert_held(&ai_sched_lock);
	xa_for_each(&ai_sched_procs, idx, p)
		if (gpu < 0 || p->gpu == gpu)
			ai_sched_proc_update(p, false);
}

/*
 * Module unload, first step: every process back at its own nice, while the
 * fork probe still corrects children that copied a boost; the records stay.
 */
void ai_sched_unboost_all(void)
{
	struct ai_sched_proc *p;
	unsigned long idx;

	mutex_lock(&ai_sched_lock);
	ai_sched_stopping = true;
	xa_for_each(&ai_sched_procs, idx, p)
		ai_sched_proc_unboost(p);
	mutex_unlock(&ai_sched_lock);
}

/* Module unload, last step: every entry freed. */
void ai_sched_release_all(void)
{
	struct ai_sched_proc *p;
	unsigned long idx;

	mutex_lock(&ai_sched_lock);
	xa_for_each(&ai_sched_procs, idx, p)
		ai_sched_proc_unregister(p);
	mutex_unlock(&ai_sched_lock);
	WARN_ON(ai_sched_nr_procs);
	xa_destroy(&ai_sched_users);
}

/*
 * What QUERY and /proc show for a process: name, the leader's own and
 * current nice, live and boosted threads, CPU time of the whole group.
 * False if the process is gone.
 */
bool ai_sched_proc_view(struct ai_sched_proc *p, struct ai_sched_view *v)
{
	struct ai_sched_thread *rec;
	struct task_struct *leader, *t;
	unsigned long tid;
	u64 sum;

	lockdep_assert_held(&ai_sched_lock);
	rcu_read_lock();
	leader = pid_task(p->pid, PIDTYPE_TGID);
	if (!leader) {
		rcu_read_unlock();
		return false;
	}
	__get_task_comm(v->comm, sizeof(v->comm), leader);
	v->cur_nice = task_nice(leader);
	rec = xa_load(&p->threads, leader->pid);
	v->own_nice = rec && rec->mode == AI_THR_BOOSTED ?
		rec->orig_nice : v->cur_nice;
	v->threads = get_nr_threads(leader);
	sum = READ_ONCE(leader->signal->sum_sched_runtime);
	for_each_thread(leader, t)
		sum += READ_ONCE(t->se.sum_exec_runtime);
	v->cpu_ns = sum;
	rcu_read_unlock();

	v->boosted_threads = 0;
	xa_for_each(&p->threads, tid, rec)
		v->boosted_threads += rec->mode == AI_THR_BOOSTED;
	return true;
}
