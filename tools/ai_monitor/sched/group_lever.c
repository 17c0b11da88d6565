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

/* First cgroup2 mount in our mount namespace, or "". */
static void find_cgroot(struct group_lever *gl)
{
	char path[PATH_MAX], line[4096];
	FILE *f;

	gl->cgroot[0] = '\0';
	if (pathf(path, sizeof(path), "%s/self/mountinfo", gl->proc))
		return;
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char mnt[PATH_MAX], *sep = strstr(line, " - cgroup2 ");

		/* Mount points with blanks are octal-escaped: skip those. */
		if (sep && sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1 && !strchr(mnt, '\\')) {
			str_copy(gl->cgroot, mnt, sizeof(gl->cgroot));
			break;
		}
	}
	fclose(f);
}

/* The process's cgroup v2 path ("/" for the root), 0 or -errno. */
static int proc_cgroup(const struct group_lever *gl, pid_t pid, char *out, size_t len)
{
	char path[PATH_MAX], buf[4096], *line, *save;

	ssize_t n;

	if (pathf(path, sizeof(path), "%s/%d/cgroup", gl->proc, pid))
		return -ENAMETOOLONG;
	n = read_file(path, buf, sizeof(buf));
	if (n < 0)
		return n;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (!strncmp(line, "0::", 3) && line[3] == '/' && strlen(line + 3) < len) {
			str_copy(out, line + 3, len);
			return 0;
		}
	return -ENOENT;
}

/* An autogroup line: "/autogroup-<id> nice <n>". 0 or -errno. */
static int read_autogroup(const struct group_lever *gl, pid_t pid, unsigned long long *id,
			  long *nice)
{
	char path[PATH_MAX], buf[128];
	ssize_t n;

	if (pathf(path, sizeof(path), "%s/%d/autogroup", gl->proc, pid))
		return -ENAMETOOLONG;
	n = read_file(path, buf, sizeof(buf));
	if (n < 0)
		return n;
	if (sscanf(buf, "/autogroup-%llu nice %ld", id, nice) != 2)
		return -EINVAL;
	return 0;
}

/* /proc/PID/stat: session and CPU time (us). 0 or -errno. */
static int read_stat(const char *proc, const char *pid, pid_t *sid, unsigned long long *us)
{
	static long hz;
	char path[PATH_MAX], buf[1024], *p;
	unsigned long long ut, st;
	ssize_t n;
	int s;

	if (!hz)
		hz = sysconf(_SC_CLK_TCK);
	if (pathf(path, sizeof(path), "%s/%s/stat", proc, pid))
		return -ENAMETOOLONG;
	n = read_file(path, buf, sizeof(buf));
	if (n < 0)
		return n;
	/* The comm may hold blanks and parentheses: fields start after the last ')'. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			 &s, &ut, &st) != 3)
		return -EINVAL;
	*sid = s;
	*us = (ut + st) * 1000000ull / hz;
	return 0;
}

static int write_long(const char *path, long v)
{
	char buf[32];
	int fd, n, err = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%ld\n", v);
	if (write(fd, buf, n) != n)
		err = -errno;
	close(fd);
	return err;
}

static int cg_path(const struct group_lever *gl, const struct gl_group *g, const char *file,
		   char *out, size_t len)
{
	return pathf(out, len, "%s%s%s%s", gl->cgroot, g->path, file ? "/" : "", file ? file : "");
}

/* Is the group there, and still the one we raised? Its value if so. */
static int group_value(struct group_lever *gl, struct gl_group *g, long *v)
{
	char path[PATH_MAX];
	unsigned long long id;
	struct dirent *de;
	struct stat st;
	long long w;
	DIR *dir;
	long pid;

	if (g->kind == GL_CGROUP) {
		if (cg_path(gl, g, NULL, path, sizeof(path)) || stat(path, &st) ||
		    st.st_ino != g->id)
			return -ENOENT;
		if (cg_path(gl, g, "cpu.weight", path, sizeof(path)) || read_ll(path, &w))
			return -ENOENT;
		*v = w;
		return 0;
	}
	if (!read_autogroup(gl, g->member, &id, v) && id == g->id)
		return 0;
	/* Its member left: find another, or the group is gone with it. */
	dir = opendir(gl->proc);
	if (!dir)
		return -errno;
	while ((de = readdir(dir)))
		if (!parse_int(de->d_name, 1, INT_MAX, &pid) &&
		    !read_autogroup(gl, pid, &id, v) && id == g->id) {
			g->member = pid;
			closedir(dir);
			return 0;
		}
	closedir(dir);
	return -ENOENT;
}

static int group_write(struct group_lever *gl, const struct gl_group *g, long v)
{
	char path[PATH_MAX];
	int err;

	if (g->kind == GL_CGROUP)
		err = cg_path(gl, g, "cpu.weight", path, sizeof(path));
	else
		err = pathf(path, sizeof(path), "%s/%d/autogroup", gl->proc, g->member);
	return err ? err : write_long(path, v);
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
		    !read_stat(gl->proc, de->d_name, &sid, &t) && sid == g->sid)
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

/* Put the value back if it is still ours. 0: done with it (any outcome). */
static int lower(struct group_lever *gl, struct gl_group *g, const char *why)
{
	char name[320];
	long cur;
	int err;

	group_name(g, name, sizeof(name));
	if (group_value(gl, g, &cur)) {
		if (gl->verbose)
			gl->log(LOG_INFO, "group lever: %s is gone (%s)", name, why);
	} else if (cur != g->set) {
		gl->left_alone++;
		gl->log(LOG_NOTICE, "group lever: %s is %ld, not the %ld set: changed by someone else, left as it is",
			name, cur, g->set);
	} else {
		err = group_write(gl, g, g->orig);
		if (err && err != -ENOENT && err != -ESRCH) {
			/* Still ours and still raised: try again next round. */
			gl->log(LOG_WARNING, "group lever: cannot put %s back to %ld: %s",
				name, g->orig, strerror(-err));
			return err;
		}
		gl->restores++;
		if (gl->verbose)
			gl->log(LOG_INFO, "group lever: %s %ld -> %ld (%s)", name, g->set, g->orig,
				why);
	}
	g->applied = 0;
	gl_journal_write(gl);
	return 0;
}

static void raise_group(struct group_lever *gl, struct gl_group *g, uint64_t now)
{
	long cur, target = target_of(gl, g);
	char name[320];
	int err;

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
	group_name(g, name, sizeof(name));
	err = group_write(gl, g, target);
	if (err) {
		gl->log(LOG_WARNING, "group lever: cannot raise %s to %ld: %s", name, target,
			strerror(-err));
		g->applied = 0;
		g->hold_until = now + GL_HOLD_NS;
		gl_journal_write(gl);
		return;
	}
	gl->raises++;
	if (gl->verbose)
		gl->log(LOG_INFO, "group lever: %s %ld -> %ld", name, cur, target);
	g->t0 = now;
	if (group_usage(gl, g, &g->u0_us))
		g->u0_us = ULLONG_MAX;
}

/*
 * Once a window, for a raised group: if someone else set its value meanwhile
 * (systemd re-applying a unit's CPUWeight=, an admin), the value is theirs
 * and no longer ours to put back; if it used more than its budget, it goes
 * back.
 */
static void check_raised(struct group_lever *gl, struct gl_group *g, uint64_t now)
{
	unsigned long long u;
	double cpus;
	char name[320];
	long cur;

	if (now - g->t0 < GL_WINDOW_NS)
		return;
	if (!group_value(gl, g, &cur) && cur != g->set) {
		gl->left_alone++;
		gl->log(LOG_NOTICE, "group lever: %s set to %ld by someone else: theirs now",
			group_name(g, name, sizeof(name)), cur);
		g->applied = 0;
		g->yielded = 1;
		gl_journal_write(gl);
		return;
	}
	if (group_usage(gl, g, &u)) {
		g->t0 = now;
		g->u0_us = ULLONG_MAX;
		return;
	}
	cpus = g->u0_us != ULLONG_MAX && u > g->u0_us ? (u - g->u0_us) * 1e3 / (now - g->t0) : 0;
	g->t0 = now;
	g->u0_us = u;
	if (cpus <= gl->budget)
		return;
	gl->over_budget++;
	gl->log(LOG_NOTICE, "group lever: %s used %.2f CPUs, over the %.2f budget: lowered for %llu s",
		group_name(g, name, sizeof(name)), cpus, gl->budget, GL_HOLD_NS / 1000000000ull);
	if (!lower(gl, g, "over budget"))
		g->hold_until = now + GL_HOLD_NS;
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
 * session's autogroup if autogroup is on.
 */
static void want_groups(struct group_lever *gl, pid_t pid)
{
	char rel[256], path[PATH_MAX], *slash;
	unsigned long long id, t;
	struct gl_group *g;
	struct stat st;
	long long on;
	int found = 0;
	long nice;
	pid_t sid;

	if (gl->cgroot[0] && !proc_cgroup(gl, pid, rel, sizeof(rel)) && !strchr(rel, '\n')) {
		while (rel[1]) {
			if (!pathf(path, sizeof(path), "%s%s/cpu.weight", gl->cgroot, rel) &&
			    !access(path, F_OK) &&
			    !pathf(path, sizeof(path), "%s%s", gl->cgroot, rel) &&
			    !stat(path, &st)) {
				found = 1;
				g = gl_find_group(gl, GL_CGROUP, st.st_ino);
				if (g) {
					str_copy(g->path, rel, sizeof(g->path));
					g->wanted = 1;
				}
			}
			slash = strrchr(rel, '/');
			slash[slash == rel] = '\0';
		}
	}
	if (found)
		return;
	if (!pathf(path, sizeof(path), "%s/sys/kernel/sched_autogroup_enabled", gl->proc) &&
	    (read_ll(path, &on) || !on))
		return;
	/* Autogroup 0 is the root group itself: nothing to raise. */
	snprintf(rel, sizeof(rel), "%d", pid);
	if (read_autogroup(gl, pid, &id, &nice) || !id || read_stat(gl->proc, rel, &sid, &t))
		return;
	g = gl_find_group(gl, GL_AUTOGROUP, id);
	if (!g)
		return;
	if (!g->applied) {
		g->member = pid;
		g->sid = sid;
	}
	g->wanted = 1;
}

void gl_update(struct group_lever *gl, const pid_t *boosted, int n, uint64_t now)
{
	int i;

	if (gl->nice == GL_OFF)
		return;
	/* cgroup2 may be mounted after we started: look again now and then. */
	if (!gl->cgroot[0] && now - gl->cgroot_checked >= GL_HOLD_NS) {
		find_cgroot(gl);
		gl->cgroot_checked = now;
	}
	for (i = 0; i < gl->ngroups; i++)
		gl->group[i].wanted = 0;
	for (i = 0; i < n; i++)
		want_groups(gl, boosted[i]);
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
	int err, n;

	gl->proc = proc;
	gl->journal = journal;
	gl->log = log;
	find_cgroot(gl);
	err = gl_journal_read(gl);
	if (err) {
		log(LOG_ERR, "group lever: journal %s: %s", journal, strerror(-err));
		return err;
	}
	n = gl_raised(gl);
	if (!n)
		return 0;
	log(LOG_NOTICE, "group lever: %d group%s left raised by an earlier agent: putting back",
	    n, n == 1 ? "" : "s");
	gl_release(gl);
	return gl_raised(gl) ? -EAGAIN : 0;
}
