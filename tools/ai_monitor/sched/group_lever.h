/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The agent's group lever: what ai_sched's nice boost cannot reach.
 *
 * The kernel shares a CPU between scheduling groups (cpu cgroups, or the
 * session autogroups when no cpu cgroup is in use) by group weight first,
 * and only then between the threads of a group by nice. A feeder whose hogs
 * sit in another group is not helped by any nice. So while ai_sched holds a
 * process boosted (STATE "boosted" in /proc/ai_scheduler), the agent gives
 * its group the weight of nice --group-nice: cpu.weight of its cpu cgroup
 * and of each ancestor below the root, or the nice of its session's
 * autogroup (/proc/PID/autogroup). It writes through the kernel's own files,
 * so the kernel's own checks apply (file permissions, can_nice() and the
 * LSM's task_setnice hook for an autogroup).
 *
 * Exactness: a group is only ever raised, never lowered; the value it had is
 * written back when no boosted process needs it any more, when its group
 * uses more CPU than --group-budget, when ai_sched goes away and when the
 * agent exits, and only if the value is still the one the agent set (a
 * change by anyone else is theirs). Each raise is written to a journal
 * before it is made and dropped after it is undone, so an agent killed with
 * SIGKILL leaves nothing that its next start (or `agent --restore`) does not
 * undo.
 */
#ifndef AI_MONITOR_GROUP_LEVER_H
#define AI_MONITOR_GROUP_LEVER_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

#define GL_GROUPS	64
#define GL_OFF		INT_MAX		/* --group-nice not given */

enum gl_kind { GL_CGROUP, GL_AUTOGROUP };

struct gl_group {
	enum gl_kind kind;
	unsigned long long id;		/* cgroup inode, or autogroup number */
	char path[256];			/* cgroup, below the cgroup2 root */
	pid_t member;			/* autogroup: a process in it */
	pid_t sid;			/* autogroup: its session, for the budget */
	long orig, set;			/* cpu.weight or autogroup nice */
	int applied;			/* set is in force (and in the journal) */
	int wanted;			/* a boosted process needs it this round */
	int yielded;			/* changed by others while raised: left */
	int leaf;			/* holds a boosted process: budget judged here */
	int warned;			/* a failure of it was logged */
	uint64_t t0;			/* budget window: start, and usage then */
	unsigned long long u0_us;
	uint64_t hold_until;		/* over budget: not raised before this */
};

typedef void (*gl_log_fn)(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

struct group_lever {
	int nice;			/* GL_OFF: the lever is off */
	double budget;			/* CPUs a raised group may use */
	const char *proc;		/* "/proc" */
	char cgroot[PATH_MAX];		/* cgroup2 mount, "" if none */
	uint64_t cgroot_checked;	/* when "" was last found */
	const char *journal;
	gl_log_fn log;
	int verbose;
	int journal_err;		/* the last journal write failed (logged once) */
	int lock_fd;			/* the journal's lock, held for life */
	int ngroups;
	struct gl_group group[GL_GROUPS];
	/* For /metrics. */
	unsigned long long raises, restores, left_alone, over_budget;
};

/* Default journal: $RUNTIME_DIRECTORY/groups, else /run/ai_monitor/groups. */
const char *gl_default_journal(void);

/*
 * Set up (finds the cgroup2 mount), lock the journal and undo whatever it
 * lists from an earlier agent (what cannot be put back yet stays listed and
 * is retried each round). Returns 0, or -errno of the journal (-EBUSY:
 * another agent holds it). With the lever off and no journal, does nothing.
 */
int gl_init(struct group_lever *gl, const char *proc, const char *journal, gl_log_fn log);

/*
 * One round, every agent interval: boosted[] are the processes ai_sched
 * holds boosted now (none when it is not loaded). Raises their groups,
 * lowers back those no longer needed or over budget.
 */
void gl_update(struct group_lever *gl, const pid_t *boosted, int n, uint64_t now);

/* Undo everything (agent exit). */
void gl_release(struct group_lever *gl);

/* Groups raised now. */
int gl_raised(const struct group_lever *gl);

/*
 * Inside the lever (group_lever.c, group_journal.c). The entry for a group,
 * made if new; NULL when all GL_GROUPS are taken.
 */
struct gl_group *gl_find_group(struct group_lever *gl, enum gl_kind kind, unsigned long long id);
/* Rewrite the journal from the applied groups; 0 or -errno (logged once). */
int gl_journal_write(struct group_lever *gl);
/* Take over the groups the journal lists, as applied; 0 or -errno. */
int gl_journal_read(struct group_lever *gl);
/* Lock the journal for this agent's life; 0, -EBUSY (another agent), -errno. */
int gl_journal_lock(struct group_lever *gl);
/* group_read.c: the cgroup2 mount (its root, "" if none) into gl->cgroot. */
void gl_find_cgroot(struct group_lever *gl);
/* A process's cgroup v2 path below the root; 0 or -errno (refused if unsure). */
int gl_proc_cgroup(const struct group_lever *gl, pid_t pid, char *out, size_t len);
/* /proc/PID/autogroup opened (read-write if rw) and read; a descriptor or -errno. */
int gl_open_autogroup(const struct group_lever *gl, pid_t pid, int rw, unsigned long long *id,
		      long *nice);
int gl_read_autogroup(const struct group_lever *gl, pid_t pid, unsigned long long *id,
		      long *nice);
/* /proc/PID/stat: session, and CPU time with reaped children's (us). */
int gl_read_stat(const char *proc, const char *pid, pid_t *sid, unsigned long long *us);

#endif /* AI_MONITOR_GROUP_LEVER_H */
