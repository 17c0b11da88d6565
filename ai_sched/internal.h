/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ai_sched internals shared by the module's files.
 *
 * Locking: one mutex, ai_sched_lock, serialises everything that changes
 * state: the process table (ai_sched_procs), each process's thread records,
 * the GPU table and the tick statistics. Every path that changes a task's
 * nice or autogroup (ioctl, tick, unload) runs in process context under it,
 * so no two of them can race on the same task. /proc reads take it too.
 */
#ifndef AI_SCHED_INTERNAL_H
#define AI_SCHED_INTERNAL_H

#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/types.h>
#include <linux/xarray.h>
#include <linux/ai_sched.h>

struct task_struct;
struct autogroup;
struct seq_file;

/* Module parameters (main.c); read without the lock, clamped where used. */
extern unsigned int ai_sched_tick_ms;
extern unsigned int ai_sched_busy_pct;
extern unsigned int ai_sched_hyst_pct;
extern unsigned int ai_sched_stale_ms;
extern bool ai_sched_unknown_boost;
extern int ai_sched_min_nice;
extern unsigned int ai_sched_max_tasks;
extern bool ai_sched_autogroup;

extern struct mutex ai_sched_lock;

/* gpu.c: what the agent last reported per GPU. */
enum ai_sched_gpu_state {
	AI_GPU_UNKNOWN,		/* never reported, or older than stale_ms */
	AI_GPU_AVAILABLE,	/* below busy_pct (with hysteresis): boost */
	AI_GPU_SATURATED,	/* at or above busy_pct: relax */
};

void ai_sched_gpu_report(unsigned int gpu, unsigned int util);
enum ai_sched_gpu_state ai_sched_gpu_state(unsigned int gpu);
bool ai_sched_gpu_reported(unsigned int gpu, unsigned int *util);
const char *ai_sched_gpu_state_name(enum ai_sched_gpu_state s);

/* A thread of a registered process, as seen while the process is boosted. */
enum ai_sched_thread_mode {
	AI_THR_UNTOUCHED,	/* its own nice is already <= the boost */
	AI_THR_BOOSTED,		/* we set applied_nice (and reset-on-fork) */
	AI_THR_HANDS_OFF,	/* someone changed what we set: not ours now */
};

struct ai_sched_thread {
	struct pid *pid;		/* the thread's pid, referenced */
	int orig_nice;
	int applied_nice;
	bool had_reset;			/* SCHED_RESET_ON_FORK was set already */
	enum ai_sched_thread_mode mode;
	unsigned long seen;		/* walk generation that last saw it */
};

/*
 * A registered process. The table is indexed by the pid number in the
 * initial namespace, but identity is the struct pid: a number that now names
 * another process does not match (pid reuse), see ai_sched_proc_lookup().
 */
struct ai_sched_proc {
	struct pid *pid;		/* thread-group pid, referenced */
	int boost_nice;
	unsigned int gpu;
	bool boosted;			/* threads are at their boosted nice */
	unsigned long gen;		/* current thread-walk generation */
	struct xarray threads;		/* tid -> struct ai_sched_thread */
	bool ag_moved;			/* we detached it from its autogroup */
	struct autogroup *ag_ours;	/* where we put it; compared, never used */
	bool gpu_busy_valid;
	u64 gpu_busy_ns;		/* agent-supplied GPU busy time */
};

extern struct xarray ai_sched_procs;
extern unsigned int ai_sched_nr_procs;

/* task.c */
struct ai_sched_proc *ai_sched_proc_lookup(struct pid *pid);
int ai_sched_proc_register(struct pid *pid, int nice, unsigned int gpu);
void ai_sched_proc_unregister(struct ai_sched_proc *p);
void ai_sched_update_all(int gpu, unsigned int *nr_threads);
void ai_sched_release_all(void);
bool ai_sched_proc_task_view(struct ai_sched_proc *p, char *comm, int *orig,
			     int *cur, unsigned int *threads, u64 *cpu_ns);

/* autogroup.c */
void ai_sched_ag_detach(struct ai_sched_proc *p, struct task_struct *leader);
void ai_sched_ag_restore(struct ai_sched_proc *p, struct task_struct *leader);
int ai_sched_ag_enabled(void);

/* tick.c */
void ai_sched_tick_kick(void);
void ai_sched_tick_stop(void);
void ai_sched_tick_show(struct seq_file *m);

/* ioctl.c, procfs.c */
long ai_sched_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
int ai_sched_proc_show(struct seq_file *m, void *v);

#endif /* AI_SCHED_INTERNAL_H */
