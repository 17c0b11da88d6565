// SPDX-License-Identifier: GPL-2.0
/*
 * What the kernel says about a process's scheduling groups, for the group
 * lever: the cgroup2 mount, a process's cgroup, its autogroup, its session
 * and CPU time. Each reader refuses what it cannot be sure of rather than
 * guess: the lever writes where these point, as root.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "group_lever.h"
#include "util.h"

/* First cgroup2 mount in our mount namespace, or "". */
void gl_find_cgroot(struct group_lever *gl)
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

		char root[8];

		/*
		 * The hierarchy's own root (not a bind mount of a subtree, which
		 * would shift every path); mount points with blanks are
		 * octal-escaped: skip those.
		 */
		if (sep && sscanf(line, "%*s %*s %*s %7s %4095s", root, mnt) == 2 &&
		    !strcmp(root, "/") && !strchr(mnt, '\\')) {
			str_copy(gl->cgroot, mnt, sizeof(gl->cgroot));
			break;
		}
	}
	fclose(f);
}

/*
 * The process's cgroup v2 path ("/" for the root), 0 or -errno. Refused: a
 * file that filled the buffer (a cut line could name another cgroup), a
 * dead cgroup (" (deleted)"), one outside our cgroup namespace ("/.."),
 * one too long for an entry.
 */
int gl_proc_cgroup(const struct group_lever *gl, pid_t pid, char *out, size_t len)
{
	char path[PATH_MAX], buf[8192], *line, *save;
	ssize_t n;

	if (pathf(path, sizeof(path), "%s/%d/cgroup", gl->proc, pid))
		return -ENAMETOOLONG;
	n = read_file(path, buf, sizeof(buf));
	if (n < 0)
		return n;
	if (n >= (ssize_t)sizeof(buf) - 1)
		return -E2BIG;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "0::/", 4))
			continue;
		line += 3;
		if (strlen(line) >= len || strstr(line, "/..") || strstr(line, " (deleted)"))
			return -EINVAL;
		str_copy(out, line, len);
		return 0;
	}
	return -ENOENT;
}

/*
 * Open /proc/PID/autogroup and read its line, "/autogroup-<id> nice <n>".
 * Returns the descriptor (O_RDWR when rw), or -errno. A write through it
 * reaches that task or fails (ESRCH once it is gone), never a process that
 * reused the number.
 */
int gl_open_autogroup(const struct group_lever *gl, pid_t pid, int rw,
			  unsigned long long *id, long *nice)
{
	char path[PATH_MAX], buf[128];
	ssize_t n;
	int fd;

	if (pathf(path, sizeof(path), "%s/%d/autogroup", gl->proc, pid))
		return -ENAMETOOLONG;
	fd = open(path, (rw ? O_RDWR : O_RDONLY) | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	buf[n] = '\0';
	if (sscanf(buf, "/autogroup-%llu nice %ld", id, nice) != 2) {
		close(fd);
		return -EINVAL;
	}
	return fd;
}

int gl_read_autogroup(const struct group_lever *gl, pid_t pid, unsigned long long *id,
			  long *nice)
{
	int fd = gl_open_autogroup(gl, pid, 0, id, nice);

	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

/* /proc/PID/stat: session and CPU time (us). 0 or -errno. */
int gl_read_stat(const char *proc, const char *pid, pid_t *sid, unsigned long long *us)
{
	static long hz;
	char path[PATH_MAX], buf[1024], *p;
	unsigned long long ut, st, cut, cst;
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
	/* With the reaped children's time: short-lived hogs count too. */
	if (!p || sscanf(p + 2, "%*c %*d %*d %d %*d %*d %*u %*u %*u %*u %*u %llu %llu %llu %llu",
			 &s, &ut, &st, &cut, &cst) != 5)
		return -EINVAL;
	*sid = s;
	*us = (ut + st + cut + cst) * 1000000ull / hz;
	return 0;
}
