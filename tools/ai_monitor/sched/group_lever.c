// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's group lever (see group_lever.h for what and why).
 *
 * Each round: find the groups the boosted processes compete in, raise those
 * not raised yet, check the budget of those raised, lower back those no
 * longer needed. The journal always lists exactly the groups that may hold
 * a value the agent set: an entry is written before its raise and removed
 * only after its value is back.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <sys/stat.h>

#include "group_lever.h"
#include "util.h"

/* A raised group's CPU use is judged over this window... */
#define GL_WINDOW_NS	1000000000ull
/* ...and one that went over its budget is not raised again for this long. */
#define GL_HOLD_NS	5000000000ull

/* The kernel's sched_prio_to_weight[], nice -20..19 (kernel/sched/core.c). */
static const unsigned int prio_weight[40] = {
	88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916,
	9548, 7620, 6100, 4904, 3906, 3121, 2501, 1991, 1586, 1277,
	1024, 820, 655, 526, 423, 335, 272, 215, 172, 137,
	110, 87, 70, 56, 45, 36, 29, 23, 18, 15,
};

/* cpu.weight for a nice, as the kernel maps one to the other (1..10000). */
static long weight_of_nice(int nice)
{
	long w = (prio_weight[nice + 20] * 100L + 512) / 1024;

	return w < 1 ? 1 : w > 10000 ? 10000 : w;
}

/* Is candidate at least as strong as target? (weights: higher; nices: lower) */
static int at_least(const struct gl_group *g, long candidate, long target)
{
	return g->kind == GL_CGROUP ? candidate >= target : candidate <= target;
}

static long target_of(const struct group_lever *gl, const struct gl_group *g)
{
	return g->kind == GL_CGROUP ? weight_of_nice(gl->nice) : gl->nice;
}

const char *gl_default_journal(void)
{
	static char path[PATH_MAX];
	const char *dir = getenv("RUNTIME_DIRECTORY");

	/* systemd's RuntimeDirectory= may list several: take the first. */
	if (dir && *dir && !strchr(dir, ':') && !pathf(path, sizeof(path), "%s/groups", dir))
		return path;
	return "/run/ai_monitor/groups";
}

static int cg_path(const struct group_lever *gl, const struct gl_group *g, const char *file,
		   char *out, size_t len)
{
	return pathf(out, len, "%s%s%s%s", gl->cgroot, g->path, file ? "/" : "", file ? file : "");
}

/*
 * Open the group's value file, check it is still the group we mean, read
 * its value. Returns a descriptor (O_RDWR when rw) or -errno: -ENOENT only
 * when the group is gone (or is another one now); any other error is
 * transient and leaves everything as it is, to be tried again.
 */
static int group_open(struct group_lever *gl, struct gl_group *g, int rw, long *v)
{
	char path[PATH_MAX], buf[32];
	unsigned long long id;
	struct dirent *de;
	struct stat st;
	int dfd, fd;
	ssize_t n;
	DIR *dir;
	long pid;

	if (g->kind == GL_CGROUP) {
		/* No cgroup2 mount (yet): not known to be gone. */
		if (!gl->cgroot[0])
			return -EAGAIN;
		if (cg_path(gl, g, NULL, path, sizeof(path)))
			return -ENOENT;
		dfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dfd < 0)
			return errno == ENOENT || errno == ENOTDIR ? -ENOENT : -errno;
		if (fstat(dfd, &st) || st.st_ino != g->id) {
			close(dfd);
			return -ENOENT;
		}
		/* Through the directory checked: a cgroup made anew at the path is not it. */
		fd = openat(dfd, "cpu.weight", (rw ? O_RDWR : O_RDONLY) | O_NOFOLLOW | O_CLOEXEC);
		close(dfd);
		if (fd < 0)
			return errno == ENOENT ? -ENOENT : -errno;
		n = read(fd, buf, sizeof(buf) - 1);
		if (n <= 0) {
			/* Removed since the open: kernfs says ENODEV. Gone. */
			n = n < 0 ? (errno == ENODEV ? -ENOENT : -errno) : -EIO;
			close(fd);
			return n;
		}
		buf[n] = '\0';
		*v = strtol(buf, NULL, 10);
		return fd;
	}
	fd = gl_open_autogroup(gl, g->member, rw, &id, v);
	if (fd >= 0 && id == g->id)
		return fd;
	if (fd >= 0)
		close(fd);
	else if (fd != -ENOENT && fd != -ESRCH)
		return fd;
	/* Its member left: find another, or the group is gone with it. */
	dir = opendir(gl->proc);
	if (!dir)
		return -errno;
	while ((de = readdir(dir)))
		if (!parse_int(de->d_name, 1, INT_MAX, &pid) &&
		    !gl_read_autogroup(gl, pid, &id, v) && id == g->id) {
			g->member = pid;
			closedir(dir);
			return gl_open_autogroup(gl, pid, rw, &id, v);
		}
	closedir(dir);
	return -ENOENT;
}

static int group_value(struct group_lever *gl, struct gl_group *g, long *v)
{
	int fd = group_open(gl, g, 0, v);

	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

/*
 * Write v if the value is still expect, the check and the write on one
 * descriptor. 0: written; 1: not ours (*cur says what it is); or -errno.
 */
static int group_swap(struct group_lever *gl, struct gl_group *g, long expect, long v, long *cur)
{
	int fd, n, err = 0, tries;
	char buf[32];

	/* An autogroup member may exit between open and write: look again once. */
	for (tries = 0; tries < 2; tries++) {
		fd = group_open(gl, g, 1, cur);
		if (fd < 0)
			return fd;
		if (*cur != expect) {
			close(fd);
			return 1;
		}
		n = snprintf(buf, sizeof(buf), "%ld\n", v);
		err = write(fd, buf, n) == n ? 0 : -errno;
		close(fd);
		/* A cgroup removed between the open and the write: gone. */
		if (err == -ENODEV && g->kind == GL_CGROUP)
			return -ENOENT;
		if (err != -ESRCH || g->kind != GL_AUTOGROUP)
			break;
	}
	return err;
}

/* CPU time the group has used (us): cpu.stat, or its session's processes. */
static int group_usage(struct group_lever *gl, const struct gl_group *g, unsigned long long *us)
{
	char path[PATH_MAX], buf[1024], *p;
	struct dirent *de;
	DIR *dir;

	if (g->kind == GL_CGROUP) {
		if (cg_path(gl, g, "cpu.stat", path, sizeof(path)) ||
		    read_file(path, buf, sizeof(buf)) < 0)
			return -ENOENT;
		p = strstr(buf, "usage_usec ");
		return p && sscanf(p, "usage_usec %llu", us) == 1 ? 0 : -EINVAL;
	}
	/*
	 * An autogroup is its session (it is made at setsid()), and the
	 * kernel sums a group's time nowhere we can read: add up the
	 * session's processes, once a window.
	 */
	*us = 0;
	dir = opendir(gl->proc);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		unsigned long long t;
		pid_t sid;

		if (de->d_name[0] >= '1' && de->d_name[0] <= '9' &&
		    !gl_read_stat(gl->proc, de->d_name, &sid, &t) && sid == g->sid)
			*us += t;
	}
	closedir(dir);
	return 0;
}

static const char *group_name(const struct gl_group *g, char *buf, size_t len)
{
	if (g->kind == GL_CGROUP)
		snprintf(buf, len, "cgroup %s cpu.weight", g->path);
	else
		snprintf(buf, len, "autogroup-%llu nice", g->id);
	return buf;
}

/* A failure is logged once per group, not once per round. */
static void warn_once(struct group_lever *gl, struct gl_group *g, const char *what, long v, int err)
{
	char name[320];

	if (g->warned)
		return;
	g->warned = 1;
	gl->log(LOG_WARNING, "group lever: cannot %s %s to %ld: %s; trying again", what,
		group_name(g, name, sizeof(name)), v, strerror(-err));
}

/*
 * Put the value back if it is still ours. 0: done with it (put back, gone,
 * or changed by someone else); -errno: still raised, tried again next round.
 */
static int lower(struct group_lever *gl, struct gl_group *g, const char *why)
{
	char name[320];
	long cur;
	int ret;

	group_name(g, name, sizeof(name));
	ret = group_swap(gl, g, g->set, g->orig, &cur);
	if (ret < 0 && ret != -ENOENT) {
		warn_once(gl, g, "put back", g->orig, ret);
		return ret;
	}
	if (ret == -ENOENT) {
		if (gl->verbose)
			gl->log(LOG_INFO, "group lever: %s is gone (%s)", name, why);
	} else if (ret == 1) {
		gl->left_alone++;
		gl->log(LOG_NOTICE, "group lever: %s is %ld, not the %ld set: changed by someone else, left as it is",
			name, cur, g->set);
	} else {
		gl->restores++;
		if (gl->verbose)
			gl->log(LOG_INFO, "group lever: %s %ld -> %ld (%s)", name, g->set, g->orig,
				why);
	}
	g->applied = 0;
	g->warned = 0;
	gl_journal_write(gl);
	return 0;
}

static void raise_group(struct group_lever *gl, struct gl_group *g, uint64_t now)
{
	long cur, target = target_of(gl, g);
	char name[320];
	int ret;

	if (now < g->hold_until || g->yielded || group_value(gl, g, &cur))
		return;
	/* Already as strong (by its owner's choice): nothing to do, nothing to undo. */
	if (at_least(g, cur, target))
		return;
	g->orig = cur;
	g->set = target;
	g->applied = 1;
	/* Written down first: a crash from here on is undone at the next start. */
	if (gl_journal_write(gl)) {
		g->applied = 0;
		return;
	}
	ret = group_swap(gl, g, cur, target, &cur);
	if (ret) {
		/* Not raised (changed meanwhile, gone, or refused): nothing to undo. */
		if (ret < 0 && ret != -ENOENT)
			warn_once(gl, g, "raise", target, ret);
		g->applied = 0;
		gl_journal_write(gl);
		g->hold_until = now_ns() + GL_HOLD_NS;
		return;
	}
	g->warned = 0;
	gl->raises++;
	if (gl->verbose)
		gl->log(LOG_INFO, "group lever: %s %ld -> %ld", group_name(g, name, sizeof(name)),
			g->orig, target);
	if (group_usage(gl, g, &g->u0_us))
		g->u0_us = ULLONG_MAX;
	/* Timed after the read, which for an autogroup walks all of /proc. */
	g->t0 = now_ns();
}

/*
 * Once a window, for a raised group: if someone else set its value meanwhile
 * (systemd re-applying a unit's CPUWeight=, an admin), the value is theirs
 * and no longer ours to put back. If the group holding a boosted process
 * (not a shared ancestor, whose use is everyone's below it) used more than
 * the budget, it goes back, and its ancestors with it (want_groups()).
 */
static void check_raised(struct group_lever *gl, struct gl_group *g, uint64_t now)
{
	unsigned long long u;
	char name[320];
	double cpus;
	long cur;
	int err;

	if (now - g->t0 < GL_WINDOW_NS)
		return;
	err = group_value(gl, g, &cur);
	if (err == -ENOENT || (!err && cur != g->set)) {
		if (!err) {
			gl->left_alone++;
			gl->log(LOG_NOTICE, "group lever: %s set to %ld by someone else: theirs now",
				group_name(g, name, sizeof(name)), cur);
			g->yielded = 1;
		}
		g->applied = 0;
		gl_journal_write(gl);
		return;
	}
	if (!g->leaf || group_usage(gl, g, &u)) {
		g->t0 = now;
		g->u0_us = ULLONG_MAX;
		return;
	}
	now = now_ns();		/* after the read, as t0 was */
	cpus = g->u0_us != ULLONG_MAX && u > g->u0_us ? (u - g->u0_us) * 1e3 / (now - g->t0) : 0;
	g->t0 = now;
	g->u0_us = u;
	if (cpus <= gl->budget)
		return;
	gl->over_budget++;
	gl->log(LOG_NOTICE, "group lever: %s used %.2f CPUs, over the %.2f budget: lowered for %llu s",
		group_name(g, name, sizeof(name)), cpus, gl->budget, GL_HOLD_NS / 1000000000ull);
	/*
	 * The hold counts from when the value went back, not from the start
	 * of this update: on a loaded machine reading every group's use and
	 * writing the journal can take a second or more.
	 */
	if (!lower(gl, g, "over budget"))
		g->hold_until = now_ns() + GL_HOLD_NS;
}

struct gl_group *gl_find_group(struct group_lever *gl, enum gl_kind kind, unsigned long long id)
{
	int i;

	for (i = 0; i < gl->ngroups; i++)
		if (gl->group[i].kind == kind && gl->group[i].id == id)
			return &gl->group[i];
	if (gl->ngroups == GL_GROUPS)
		return NULL;
	memset(&gl->group[gl->ngroups], 0, sizeof(gl->group[0]));
	gl->group[gl->ngroups].kind = kind;
	gl->group[gl->ngroups].id = id;
	return &gl->group[gl->ngroups++];
}

/*
 * The groups pid competes in: its cpu cgroup and each ancestor below the
 * root (a weight only counts against siblings, so every level between the
 * process and the root must carry it); with no cpu cgroup in effect, its
 * session's autogroup if autogroup is on. The chain goes up and down as
 * one: while its leaf is held back (over budget, failed, changed by
 * someone else) no ancestor is wanted for it.
 */
static void want_groups(struct group_lever *gl, pid_t pid, uint64_t now)
{
	char rel[256], path[PATH_MAX], *slash;
	unsigned long long id, t;
	struct gl_group *g;
	int found = 0, err;
	struct stat st;
	long long on;
	long nice;
	pid_t sid;

	err = gl->cgroot[0] ? gl_proc_cgroup(gl, pid, rel, sizeof(rel)) : -ENOENT;
	/* A cgroup path we cannot use: no fallback to the autogroup, which would not count. */
	if (err && err != -ENOENT)
		return;
	while (!err && rel[1]) {
		if (!pathf(path, sizeof(path), "%s%s/cpu.weight", gl->cgroot, rel) &&
		    !access(path, F_OK) &&
		    !pathf(path, sizeof(path), "%s%s", gl->cgroot, rel) &&
		    !stat(path, &st)) {
			g = gl_find_group(gl, GL_CGROUP, st.st_ino);
			if (!g)
				return;
			str_copy(g->path, rel, sizeof(g->path));
			g->wanted = 1;
			if (!found++)
				g->leaf = 1;
			if (found == 1 && !g->applied && (now < g->hold_until || g->yielded))
				return;
		}
		slash = strrchr(rel, '/');
		slash[slash == rel] = '\0';
	}
	if (found)
		return;
	if (!pathf(path, sizeof(path), "%s/sys/kernel/sched_autogroup_enabled", gl->proc) &&
	    (read_ll(path, &on) || !on))
		return;
	/* Autogroup 0 is the root group itself: nothing to raise. */
	snprintf(rel, sizeof(rel), "%d", pid);
	if (gl_read_autogroup(gl, pid, &id, &nice) || !id || gl_read_stat(gl->proc, rel, &sid, &t))
		return;
	g = gl_find_group(gl, GL_AUTOGROUP, id);
	if (!g)
		return;
	if (!g->applied) {
		g->member = pid;
		g->sid = sid;
	}
	g->wanted = 1;
	g->leaf = 1;
}

void gl_update(struct group_lever *gl, const pid_t *boosted, int n, uint64_t now)
{
	int i;

	if (gl->nice == GL_OFF)
		return;
	/* cgroup2 may be mounted after we started: look again now and then. */
	if (!gl->cgroot[0] && now - gl->cgroot_checked >= GL_HOLD_NS) {
		gl_find_cgroot(gl);
		gl->cgroot_checked = now;
	}
	for (i = 0; i < gl->ngroups; i++)
		gl->group[i].wanted = gl->group[i].leaf = 0;
	for (i = 0; i < n; i++)
		want_groups(gl, boosted[i], now);
	for (i = 0; i < gl->ngroups; i++) {
		struct gl_group *g = &gl->group[i];

		if (g->applied && !g->wanted)
			lower(gl, g, "no boosted process in it");
		else if (g->applied)
			check_raised(gl, g, now);
		else if (g->wanted)
			raise_group(gl, g, now);
	}
	/* Forget what is neither raised nor held back (nor yielded: until the next boost). */
	for (i = 0; i < gl->ngroups; i++) {
		struct gl_group *g = &gl->group[i];

		if (!g->applied && !g->wanted && now >= g->hold_until)
			gl->group[i--] = gl->group[--gl->ngroups];
	}
}

void gl_release(struct group_lever *gl)
{
	int i;

	/* One that cannot be put back stays, and stays in the journal. */
	for (i = 0; i < gl->ngroups; i++)
		if (!gl->group[i].applied || !lower(gl, &gl->group[i], "agent exiting"))
			gl->group[i--] = gl->group[--gl->ngroups];
}

int gl_raised(const struct group_lever *gl)
{
	int i, n = 0;

	for (i = 0; i < gl->ngroups; i++)
		n += gl->group[i].applied;
	return n;
}

int gl_init(struct group_lever *gl, const char *proc, const char *journal, gl_log_fn log)
{
	struct stat st;
	int err, n;

	gl->proc = proc;
	gl->journal = journal;
	gl->log = log;
	gl->lock_fd = -1;
	gl_find_cgroot(gl);
	/* The lever off and no journal: nothing to take over, nothing to lock. */
	if (gl->nice == GL_OFF && stat(journal, &st) && errno == ENOENT)
		return 0;
	err = gl_journal_lock(gl);
	if (!err)
		err = gl_journal_read(gl);
	if (err) {
		log(LOG_ERR, "group lever: journal %s: %s", journal,
		    err == -EBUSY ? "held by another agent" : strerror(-err));
		return err;
	}
	n = gl_raised(gl);
	if (!n)
		return 0;
	log(LOG_NOTICE, "group lever: %d group%s left raised by an earlier agent: putting back",
	    n, n == 1 ? "" : "s");
	gl_release(gl);
	/* What could not be put back stays listed, and is tried every round. */
	n = gl_raised(gl);
	if (n)
		log(LOG_WARNING, "group lever: %d group%s not put back yet", n, n == 1 ? "" : "s");
	return 0;
}
