/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ai_sched internals shared by the module's files.
 *
 * Locking:
 * - ai_sched_lock (a mutex) serialises every change of state: the process
 *   table, each process's thread records, the per-user counts, the GPU
 *   table, every registration's owner list, and every nice change ai_sched
 *   makes from process context (ioctl, work items, unload, release).
 * - RCU: the tracepoint probes (events.c) run in atomic context and only
 *   read the process table and thread records, under rcu_read_lock(). The
 *   fields they read are marked "RCU" below and written with WRITE_ONCE();
 *   processes and records are freed with kfree_rcu().
 * - ai_sched_proc::pending is set by the probes with atomic bit operations
 *   and consumed (xchg) by the event work under ai_sched_lock.
 * - Module parameters are validated on every write (params.c); readers use
 *   READ_ONCE().
 */
#ifndef AI_SCHED_INTERNAL_H
#define AI_SCHED_INTERNAL_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/xarray.h>
#include <linux/ai_sched.h>

struct task_struct;
struct seq_file;
struct file;

/* params.c */
extern unsigned int ai_sched_busy_pct;
extern unsigned int ai_sched_hyst_pct;
extern unsigned int ai_sched_stale_ms;
extern bool ai_sched_unknown_boost;
extern int ai_sched_min_nice;
extern unsigned int ai_sched_max_tasks;
extern unsigned int ai_sched_max_per_user;
extern unsigned int ai_sched_max_gpus;
int ai_sched_params_check(void);

extern struct mutex ai_sched_lock;

/* gpu.c: what the agent last reported per GPU. */
enum ai_sched_gpu_state {
	AI_GPU_UNKNOWN = AI_SCHED_GPU_UNKNOWN,
	AI_GPU_AVAILABLE = AI_SCHED_GPU_AVAILABLE,
	AI_GPU_SATURATED = AI_SCHED_GPU_SATURATED,
};

int ai_sched_gpu_use(unsigned int gpu);
int ai_sched_gpu_report(unsigned int gpu, unsigned int util);
enum ai_sched_gpu_state ai_sched_gpu_state(unsigned int gpu);
bool ai_sched_gpu_util(unsigned int gpu, unsigned int *util);
unsigned long ai_sched_gpu_next_stale(bool *any);
bool ai_sched_gpu_expire(void);
void ai_sched_gpu_free_all(void);
void ai_sched_gpu_show(struct seq_file *m);

/* A thread of a boosted process. */
enum ai_sched_thread_mode {
	AI_THR_UNTOUCHED,	/* its own nice is already <= the boost */
	AI_THR_BOOSTED,		/* we set applied_nice */
	AI_THR_HANDS_OFF,	/* someone changed what we set: not ours now */
	AI_THR_RESTORED,	/* we gave it back orig_nice (kept for forks) */
};

struct ai_sched_thread {
	struct rcu_head rcu;
	struct pid *pid;		/* RCU; the thread's pid, referenced */
	int orig_nice;			/* RCU */
	int applied_nice;		/* RCU */
	enum ai_sched_thread_mode mode;	/* RCU */
	unsigned long seen;		/* walk generation that last saw it */
};

/* ai_sched_proc::pending bits, set by the probes. */
enum {
	AI_PEND_RESCAN,		/* a thread was born or died while boosted */
	AI_PEND_DEAD,		/* the last thread exited */
	AI_PEND_END,		/* exec of a set-id program: registration ends */
};

struct ai_sched_file;

/*
 * A registered process. The table is indexed by the pid number in the
 * initial namespace, but identity is the struct pid: a number that now names
 * another process does not match (pid reuse), see ai_sched_proc_lookup().
 */
struct ai_sched_proc {
	struct rcu_head rcu;
	struct pid *pid;		/* RCU; thread-group pid, referenced */
	bool boosted;			/* RCU; threads are at the boost */
	int boost_nice;
	unsigned int gpu;
	struct ai_sched_file *owner;	/* registrar's fd; NULL: persistent */
	struct list_head owner_node;	/* in owner->procs */
	bool charged;			/* counted against uid's limit */
	kuid_t uid;			/* registrar's euid */
	unsigned long gen;		/* current thread-walk generation */
	struct xarray threads;		/* tid -> struct ai_sched_thread */
	unsigned long pending;		/* AI_PEND_* bits */
};

/* One open /dev/ai_sched. */
struct ai_sched_file {
	struct list_head procs;		/* its non-persistent registrations */
};

extern struct xarray ai_sched_procs;
extern unsigned int ai_sched_nr_procs;

/* task.c */
struct ai_sched_proc *ai_sched_proc_lookup(struct pid *pid);
int ai_sched_proc_register(struct pid *pid, int nice, unsigned int gpu,
			   struct ai_sched_file *owner, bool charge);
void ai_sched_proc_update(struct ai_sched_proc *p, bool rescan);
void ai_sched_proc_unboost(struct ai_sched_proc *p);
void ai_sched_proc_unregister(struct ai_sched_proc *p);
void ai_sched_update_gpu(int gpu);
void ai_sched_unboost_all(void);
void ai_sched_release_all(void);
unsigned int ai_sched_user_count(kuid_t uid);
struct ai_sched_view {
	char comm[16];
	int own_nice, cur_nice;
	unsigned int threads, boosted_threads;
	u64 cpu_ns;
};
bool ai_sched_proc_view(struct ai_sched_proc *p, struct ai_sched_view *v);

/* events.c */
int ai_sched_events_init(void);
void ai_sched_events_exit(void);
void ai_sched_events_kick(void);
void ai_sched_reeval_all(void);
void ai_sched_stale_arm(void);
void ai_sched_events_show(struct seq_file *m);

/* ioctl.c, procfs.c */
long ai_sched_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
int ai_sched_proc_show(struct seq_file *m, void *v);

#endif /* AI_SCHED_INTERNAL_H */
