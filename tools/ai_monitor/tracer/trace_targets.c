// SPDX-License-Identifier: GPL-2.0
/*
 * trace_targets.c - which files to probe, and finding them as processes
 * come and go.
 *
 * A file is probed when its symbol tables have one of the traced functions
 * (trace_apis.c): libcuda, libcudart and libamdhip64 by their exports, an
 * executable with nvcc's static CUDA runtime by its local symbols. The
 * loader's libraries are probed at start, so a process mapping them later
 * is traced from its first call. Files elsewhere (a wheel's libcudart, a
 * static executable) are found in /proc/PID/maps: of each process that
 * execs, as soon as gt_exec reports it, and of every process once a
 * second, for libraries loaded after exec. Each mapped file is looked at
 * once (by device and inode) however many processes map it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "trace_priv.h"
#include "gpu_tracer.skel.h"

/* --- files already looked at: an open-addressed set of (dev, ino) --- */

static size_t id_hash(__u64 dev, __u64 ino, size_t cap)
{
	__u64 h = (ino ^ (dev << 32 | dev >> 32)) * 0x9e3779b97f4a7c15ULL;

	return h >> 32 & (cap - 1);
}

static bool seen_has(const struct gt_seen *s, __u64 dev, __u64 ino)
{
	size_t i;

	if (!s->cap)
		return false;
	for (i = id_hash(dev, ino, s->cap); s->slot[i].ino; i = (i + 1) & (s->cap - 1))
		if (s->slot[i].dev == dev && s->slot[i].ino == ino)
			return true;
	return false;
}

static void seen_put(struct gt_seen *s, __u64 dev, __u64 ino)
{
	size_t i;

	if (!ino || seen_has(s, dev, ino))
		return;
	if ((s->n + 1) * 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256, k;
		struct gt_file_id *slot = calloc(cap, sizeof(*slot));

		if (!slot)
			return;		/* the file is looked at again next time */
		for (k = 0; k < s->cap; k++) {
			if (!s->slot[k].ino)
				continue;
			for (i = id_hash(s->slot[k].dev, s->slot[k].ino, cap); slot[i].ino;
			     i = (i + 1) & (cap - 1))
				;
			slot[i] = s->slot[k];
		}
		free(s->slot);
		s->slot = slot;
		s->cap = cap;
	}
	for (i = id_hash(dev, ino, s->cap); s->slot[i].ino; i = (i + 1) & (s->cap - 1))
		;
	s->slot[i].dev = dev;
	s->slot[i].ino = ino;
	s->n++;
}

/* --- targets --- */

static bool have_target(const struct gt_tracer *t, dev_t dev, ino_t ino)
{
	size_t i;

	for (i = 0; i < t->ntargets; i++)
		if (t->targets[i].dev == dev && t->targets[i].ino == ino)
			return true;
	return false;
}

/*
 * Where in the function at file offset @off to probe: on its first
 * instruction, or a little later on one the kernel emulates
 * (gt_probe_offset()). Records which kind the probed instruction is, for
 * the cost calibration.
 */
static long place_probe(struct gt_target *tg, unsigned int api, long off)
{
	unsigned char code[32];
	ssize_t n;

	n = pread(tg->fd, code, sizeof(code), off);
	if (n <= 0)
		return off;
	tg->skip[api] = gt_probe_offset(code, n);
	if (gt_insn_emulated(code + tg->skip[api], n - tg->skip[api]))
		tg->emulated |= 1ULL << api;
	return off + tg->skip[api];
}

int gt_target_add(struct gt_tracer *t, int fd, const char *path)
{
	const char *names[GT_CALIBRATE];
	long offs[GT_CALIBRATE];
	char self[64];
	struct gt_target *tg;
	struct stat st;
	unsigned int api;
	int err;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || have_target(t, st.st_dev, st.st_ino) ||
	    !gt_is_our_elf(fd)) {
		close(fd);
		return 0;
	}
	for (api = 0; api < GT_CALIBRATE; api++)
		names[api] = gt_api_symbol(api);
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	err = gt_elf_func_offsets(self, names, offs, GT_CALIBRATE);
	for (api = 0; !err && api < GT_CALIBRATE; api++)
		if (offs[api] >= 0)
			break;
	if (err || api == GT_CALIBRATE) {
		close(fd);
		return err == -ENOEXEC ? 0 : err;
	}
	if (t->ntargets == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 8;

		tg = realloc(t->targets, cap * sizeof(*tg));
		if (!tg) {
			close(fd);
			return -ENOMEM;
		}
		t->targets = tg;
		t->cap = cap;
	}
	tg = &t->targets[t->ntargets++];
	memset(tg, 0, sizeof(*tg));
	tg->dev = st.st_dev;
	tg->ino = st.st_ino;
	tg->fd = fd;
	gt_links_init(&tg->links);
	snprintf(tg->path, sizeof(tg->path), "%s", path);
	for (api = 0; api < GT_CALIBRATE; api++) {
		/* Not every version has every variant; a symbol outside text is odd. */
		if (offs[api] < 0)
			continue;
		tg->off[api] = place_probe(tg, api, offs[api]);
		tg->apis |= 1ULL << api;
		if (t->verbose)
			fprintf(stderr, "%s: %s (%s) probe at file offset 0x%lx (+%u), %s\n",
				path, gt_api_name(api), gt_layer_name(gt_api_layer(api)),
				tg->off[api], tg->skip[api],
				tg->emulated & (1ULL << api) ? "emulated" : "single-stepped");
	}
	if (t->attached) {
		err = gt_target_attach(t, tg);
		if (err)
			return err;
		if (t->verbose)
			fprintf(stderr, "%s: probes attached\n", path);
	}
	return 1;
}

/*
 * An open file for a mapping of process @pid, the very one mapped:
 * /proc/PID/map_files (root) names it exactly; the path from maps is a
 * path in the process's own mount namespace, so try it under
 * /proc/PID/root, then as is, checking the inode each time. The paths are
 * the process's to choose (it may have died and its path been replaced by
 * a FIFO, or a link to a device), so each is first opened with O_PATH,
 * which has no side effect, and opened for reading only once it is known
 * to be a regular file (and, by path, the one mapped).
 */
static int open_mapping(pid_t pid, unsigned long s, unsigned long e, const char *file,
			dev_t dev, ino_t ino)
{
	char path[PATH_MAX + 64];
	struct stat st;
	int fd, rfd, i;

	for (i = 0; i < 3; i++) {
		if (i == 0)
			snprintf(path, sizeof(path), "/proc/%d/map_files/%lx-%lx", pid, s, e);
		else if (i == 1)
			snprintf(path, sizeof(path), "/proc/%d/root%s", pid, file);
		else
			snprintf(path, sizeof(path), "%s", file);
		fd = open(path, O_PATH | O_CLOEXEC);
		if (fd < 0)
			continue;
		/* map_files leads to the mapped file itself, wherever it lives. */
		if (fstat(fd, &st) || !S_ISREG(st.st_mode) ||
		    (i > 0 && (st.st_dev != dev || st.st_ino != ino))) {
			close(fd);
			continue;
		}
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		rfd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		close(fd);
		if (rfd >= 0)
			return rfd;
	}
	return -ENOENT;
}

static void scan_pid(struct gt_tracer *t, pid_t pid)
{
	char maps[64], line[PATH_MAX + 128];
	FILE *f;

	snprintf(maps, sizeof(maps), "/proc/%d/maps", pid);
	f = fopen(maps, "re");
	if (!f)
		return;			/* gone, or not ours to read */
	while (fgets(line, sizeof(line), f)) {
		unsigned long s, e, ino;
		unsigned int ma, mi;
		char perm[5];
		int n = 0, fd;

		if (sscanf(line, "%lx-%lx %4s %*s %x:%x %lu %n", &s, &e, perm, &ma, &mi, &ino,
			   &n) < 6 || !n || line[n] != '/' || perm[2] != 'x' || !ino)
			continue;
		if (seen_has(&t->seen, makedev(ma, mi), ino))
			continue;
		line[strcspn(line, "\n")] = '\0';
		/* Looked at once, whatever comes of it. */
		seen_put(&t->seen, makedev(ma, mi), ino);
		t->scanned_files++;
		fd = open_mapping(pid, s, e, line + n, makedev(ma, mi), ino);
		if (fd >= 0 && gt_target_add(t, fd, line + n) < 0 && t->verbose)
			fprintf(stderr, "cannot probe %s of process %d\n", line + n, pid);
	}
	fclose(f);
}

#define SEEN_FOR_S	600

void gt_targets_scan(struct gt_tracer *t, pid_t pid)
{
	pid_t self = getpid();
	struct dirent *de;
	double t0 = gt_now_s();
	DIR *d;

	/*
	 * Files found to have nothing to trace are looked at again every ten
	 * minutes: a deleted file's inode can come back as a new program.
	 */
	if (t0 >= t->seen_until) {
		free(t->seen.slot);
		memset(&t->seen, 0, sizeof(t->seen));
		t->seen_until = t0 + SEEN_FOR_S;
	}
	if (pid > 0) {
		scan_pid(t, pid);
	} else if ((d = opendir("/proc"))) {
		while ((de = readdir(d))) {
			char *end;
			long p = strtol(de->d_name, &end, 10);

			if (*end || p <= 0 || p == self)
				continue;
			scan_pid(t, p);
		}
		closedir(d);
	}
	t->scan_ms = (gt_now_s() - t0) * 1e3;
}

static int on_exec(void *ctx, void *data, size_t len)
{
	struct gt_tracer *t = ctx;
	__u32 pid;

	if (len < sizeof(pid))
		return 0;
	memcpy(&pid, data, sizeof(pid));
	/* Its executable (and loader) are mapped by now; its libraries not yet. */
	if ((pid_t)pid != getpid())
		scan_pid(t, pid);
	return 0;
}

int gt_targets_watch(struct gt_tracer *t)
{
	t->exec_link = bpf_program__attach(t->skel->progs.gt_exec);
	if (!t->exec_link)
		return -errno;
	t->execs = ring_buffer__new(bpf_map__fd(t->skel->maps.execs), on_exec, t, NULL);
	if (!t->execs)
		return -errno;
	return 0;
}

void gt_targets_free(struct gt_tracer *t)
{
	size_t i;

	ring_buffer__free(t->execs);
	bpf_link__destroy(t->exec_link);
	for (i = 0; i < t->ntargets; i++)
		close(t->targets[i].fd);
	free(t->targets);
	free(t->seen.slot);
}
