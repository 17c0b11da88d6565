// SPDX-License-Identifier: GPL-2.0
/*
 * The group lever's journal: one line per raised group, with what to put
 * back. It is rewritten whole (a new file renamed over the old) on every
 * change, and read once, at start, by an agent that then puts back
 * everything it lists (group_lever.c, gl_init()).
 *
 *   cgroup <inode> <orig> <set> <path below the cgroup2 root>
 *   autogroup <number> <orig> <set> <member pid> <session>
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "group_lever.h"
#include "util.h"

static const char *this_boot(void)
{
	static char id[64];

	if (!id[0] && read_file("/proc/sys/kernel/random/boot_id", id, sizeof(id)) > 0)
		id[strcspn(id, "\n")] = '\0';
	return id[0] ? id : "unknown";
}

/*
 * One agent per journal: a lock file beside it, held for the agent's life
 * (a second lever agent, or --restore under a live one, would undo the
 * other's raises and drop them from its journal). 0, -EBUSY or -errno.
 */
int gl_journal_lock(struct group_lever *gl)
{
	char path[PATH_MAX + 8], dir[PATH_MAX], *slash;
	int fd;

	str_copy(dir, gl->journal, sizeof(dir));
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) && errno != EEXIST)
			return -errno;
	}
	snprintf(path, sizeof(path), "%s.lock", gl->journal);
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		close(fd);
		return errno == EWOULDBLOCK ? -EBUSY : -errno;
	}
	gl->lock_fd = fd;
	return 0;
}

/* Rewrite the journal: exactly the applied groups (none: no file). */
int gl_journal_write(struct group_lever *gl)
{
	char tmp[PATH_MAX + 8], dir[PATH_MAX], *slash;
	int i, n = 0, err = 0, fd;
	FILE *f;

	for (i = 0; i < gl->ngroups; i++)
		n += gl->group[i].applied;
	if (!n) {
		if (unlink(gl->journal) && errno != ENOENT)
			err = -errno;
		goto out;
	}
	str_copy(dir, gl->journal, sizeof(dir));
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) && errno != EEXIST) {
			err = -errno;
			goto out;
		}
	}
	/* Never through a link someone else planted, nor into their file. */
	snprintf(tmp, sizeof(tmp), "%s.tmp", gl->journal);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		err = -errno;
		if (fd >= 0)
			close(fd);
		goto out;
	}
	fputs("# ai_monitor agent: groups raised, to be put back (agent --restore)\n", f);
	/* Autogroup numbers and cgroup inodes mean nothing after a reboot. */
	fprintf(f, "boot %s\n", this_boot());
	for (i = 0; i < gl->ngroups; i++) {
		const struct gl_group *g = &gl->group[i];

		if (!g->applied)
			continue;
		if (g->kind == GL_CGROUP)
			fprintf(f, "cgroup %llu %ld %ld %s\n", g->id, g->orig, g->set, g->path);
		else
			fprintf(f, "autogroup %llu %ld %ld %d %d\n", g->id, g->orig, g->set,
				g->member, g->sid);
	}
	if (fflush(f) || fsync(fileno(f)))
		err = -errno;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, gl->journal))
		err = -errno;
	if (err)
		unlink(tmp);
out:
	if (err && !gl->journal_err)
		gl->log(LOG_ERR, "group lever: journal %s: %s; raising no group until it works",
			gl->journal, strerror(-err));
	gl->journal_err = err;
	return err;
}


/* Take over the groups a journal lists, as raised ones, to put them back. */
int gl_journal_read(struct group_lever *gl)
{
	char line[512], path[256];
	unsigned long long id;
	long orig, set;
	int member, sid;
	FILE *f;

	struct stat st;
	int fd;

	fd = open(gl->journal, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	/* Its lines name files we write to as root: only our own, private one. */
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022)) {
		close(fd);
		return -EPERM;
	}
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return -errno;
	}
	while (fgets(line, sizeof(line), f)) {
		struct gl_group *g = NULL;
		char boot[64];

		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "boot %63s", boot) == 1 && strcmp(boot, this_boot())) {
			gl->log(LOG_WARNING, "group lever: journal %s is from another boot: ignored",
				gl->journal);
			gl->ngroups = 0;
			break;
		}
		if (sscanf(line, "cgroup %llu %ld %ld %255[^\n]", &id, &orig, &set, path) == 4 &&
		    path[0] == '/' && !strstr(path, "/..")) {
			g = gl_find_group(gl, GL_CGROUP, id);
			if (g)
				str_copy(g->path, path, sizeof(g->path));
		} else if (sscanf(line, "autogroup %llu %ld %ld %d %d", &id, &orig, &set, &member,
				  &sid) == 5) {
			g = gl_find_group(gl, GL_AUTOGROUP, id);
			if (g) {
				g->member = member;
				g->sid = sid;
			}
		}
		if (g) {
			g->orig = orig;
			g->set = set;
			g->applied = 1;
			/* Its use so far is unknown: the first window measures nothing. */
			g->u0_us = ULLONG_MAX;
		}
	}
	fclose(f);
	return 0;
}

