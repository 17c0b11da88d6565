// SPDX-License-Identifier: GPL-2.0
/*
 * trace_links.c - attaching the probe programs to a file, and detaching
 * them: two multi-uprobe links per file where the kernel has them (6.6+),
 * else a perf-event link pair per function.
 *
 * The difference is what detaching costs. Closing a perf-event uprobe
 * waits for RCU grace periods under the kernel's event_mutex, so N probes
 * take N waits in a row (about 150 ms each on a loaded machine here, so
 * several seconds for a few dozen probes, threads or not). A multi-uprobe
 * link is released with one wait for all its probes. Duty cycling and a
 * quick exit both need that.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "trace_priv.h"
#include "gpu_tracer.skel.h"

/*
 * BPF_LINK_CREATE for a multi-uprobe link, spelled out: Debian 12's uapi
 * headers and libbpf 1.1 predate it (Linux 6.6). Layout of
 * bpf_attr.link_create with its uprobe_multi member.
 */
#define GT_TRACE_UPROBE_MULTI		48	/* enum bpf_attach_type */
#define GT_F_UPROBE_MULTI_RETURN	1U

struct gt_link_create_multi {
	__u32 prog_fd;
	__u32 target_fd;
	__u32 attach_type;
	__u32 flags;
	__u64 path;
	__u64 offsets;
	__u64 ref_ctr_offsets;
	__u64 cookies;
	__u32 cnt;
	__u32 multi_flags;
	__u32 pid;
	__u32 pad;
};

void gt_links_init(struct gt_links *l)
{
	memset(l, 0, sizeof(*l));
	l->multi[0] = l->multi[1] = -1;
}

int gt_links_prepare(struct gpu_tracer *skel)
{
	int err;

	err = bpf_program__set_expected_attach_type(skel->progs.gt_enter_multi,
						    GT_TRACE_UPROBE_MULTI);
	if (!err)
		err = bpf_program__set_expected_attach_type(skel->progs.gt_exit_multi,
							    GT_TRACE_UPROBE_MULTI);
	return err;
}

void gt_links_no_multi(struct gpu_tracer *skel)
{
	bpf_program__set_autoload(skel->progs.gt_enter_multi, false);
	bpf_program__set_autoload(skel->progs.gt_exit_multi, false);
}

static int multi_link(int prog_fd, const char *path, pid_t pid, const __u64 *offs,
		      const __u64 *cookies, unsigned int n, bool ret)
{
	struct gt_link_create_multi a = {
		.prog_fd = prog_fd,
		.attach_type = GT_TRACE_UPROBE_MULTI,
		.path = (unsigned long)path,
		.offsets = (unsigned long)offs,
		.cookies = (unsigned long)cookies,
		.cnt = n,
		.multi_flags = ret ? GT_F_UPROBE_MULTI_RETURN : 0,
		.pid = pid > 0 ? pid : 0,
	};
	long fd = syscall(__NR_bpf, BPF_LINK_CREATE, &a, sizeof(a));

	return fd < 0 ? -errno : (int)fd;
}

bool gt_links_probe_multi(struct gt_tracer *t, const void *fn)
{
	__u64 off = gt_self_offset(fn), cookie = gt_cookie(GT_CALIBRATE);
	int fd;

	if ((long)off < 0)
		return false;
	/* 6.1 loads the programs (it does not check their attach type) but has no such link. */
	fd = multi_link(bpf_program__fd(t->skel->progs.gt_enter_multi), "/proc/self/exe",
			getpid(), &off, &cookie, 1, false);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static int attach_pair(struct gt_tracer *t, unsigned int api, pid_t pid, const char *path,
		       long off, struct bpf_link **links)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .bpf_cookie = gt_cookie(api));
	int err;

	links[0] = bpf_program__attach_uprobe_opts(t->skel->progs.gt_enter, pid,
						   path, off, &uo);
	if (!links[0])
		return -errno;
	uo.retprobe = true;
	links[1] = bpf_program__attach_uprobe_opts(t->skel->progs.gt_exit, pid,
						   path, off, &uo);
	if (!links[1]) {
		err = -errno;
		bpf_link__destroy(links[0]);
		links[0] = NULL;
		return err;
	}
	return 0;
}

int gt_links_attach(struct gt_tracer *t, struct gt_links *l, const char *path, pid_t pid,
		    const long *off, __u64 apis)
{
	__u64 offs[GT_API_COUNT], cookies[GT_API_COUNT];
	unsigned int api, n = 0;
	int err;

	if (t->multi) {
		if (l->multi[0] >= 0)
			return 0;
		for (api = 0; api < GT_API_COUNT; api++)
			if (apis >> api & 1) {
				offs[n] = off[api];
				cookies[n++] = gt_cookie(api);
			}
		err = multi_link(bpf_program__fd(t->skel->progs.gt_enter_multi), path, pid,
				 offs, cookies, n, false);
		if (err < 0)
			return err;
		l->multi[0] = err;
		err = multi_link(bpf_program__fd(t->skel->progs.gt_exit_multi), path, pid,
				 offs, cookies, n, true);
		if (err < 0) {
			close(l->multi[0]);
			l->multi[0] = -1;
			return err;
		}
		l->multi[1] = err;
		return 0;
	}
	for (api = 0; api < GT_API_COUNT; api++) {
		if (!(apis >> api & 1) || l->pair[api][0])
			continue;
		err = attach_pair(t, api, pid, path, off[api], l->pair[api]);
		if (err)
			return err;
	}
	return 0;
}

#define DETACH_THREADS	64

static void *destroy_pair(void *arg)
{
	struct bpf_link **links = arg;

	/* Entry first, as for the multi links: no start is left unpaired. */
	bpf_link__destroy(links[0]);
	bpf_link__destroy(links[1]);
	links[0] = links[1] = NULL;
	return NULL;
}

/*
 * Perf-event pairs are destroyed from threads, in case the kernel lets
 * their grace periods overlap (on 6.18 here it does not: it holds
 * event_mutex across them). Where a thread cannot be had, in line.
 */
static void destroy_pairs(struct bpf_link ***pairs, size_t n)
{
	pthread_t tid[DETACH_THREADS];
	bool started[DETACH_THREADS];
	size_t i, k, batch;

	for (k = 0; k < n; k += batch) {
		batch = n - k < DETACH_THREADS ? n - k : DETACH_THREADS;
		for (i = 0; i < batch; i++) {
			started[i] = !pthread_create(&tid[i], NULL, destroy_pair, pairs[k + i]);
			if (!started[i])
				destroy_pair(pairs[k + i]);
		}
		for (i = 0; i < batch; i++)
			if (started[i])
				pthread_join(tid[i], NULL);
	}
}

static void *close_one(void *arg)
{
	close((int)(long)arg);
	return NULL;
}

/*
 * Every multi-uprobe link at once. Releasing one unregisters its probes
 * (their breakpoints go at once) and then waits for a grace period: closed
 * one after another, the links not yet closed would keep their
 * breakpoints, and calls would keep trapping, through each earlier wait.
 */
static void close_multi(struct gt_links *const *sets, size_t nsets)
{
	pthread_t tid[DETACH_THREADS];
	size_t i = 0, n, k;
	int side = 0;

	/* In batches of DETACH_THREADS, each batch's closes at once. */
	while (i < nsets) {
		for (n = 0; i < nsets && n < DETACH_THREADS; ) {
			int fd = sets[i]->multi[side];

			sets[i]->multi[side] = -1;
			if (side++) {
				side = 0;
				i++;
			}
			if (fd < 0)
				continue;
			if (!pthread_create(&tid[n], NULL, close_one, (void *)(long)fd))
				n++;
			else
				close(fd);
		}
		for (k = 0; k < n; k++)
			pthread_join(tid[k], NULL);
	}
}

void gt_links_detach(struct gt_links *const *sets, size_t nsets)
{
	struct bpf_link ***pairs = NULL;
	size_t i, n = 0, cap = 0;
	unsigned int api;

	close_multi(sets, nsets);
	for (i = 0; i < nsets; i++) {
		struct gt_links *l = sets[i];

		for (api = 0; api < GT_API_COUNT; api++) {
			if (!l->pair[api][0] && !l->pair[api][1])
				continue;
			if (n == cap) {
				struct bpf_link ***p;

				cap = cap ? cap * 2 : 64;
				p = realloc(pairs, cap * sizeof(*pairs));
				if (!p) {
					destroy_pair(l->pair[api]);
					cap = n;
					continue;
				}
				pairs = p;
			}
			pairs[n++] = l->pair[api];
		}
	}
	destroy_pairs(pairs, n);
	free(pairs);
}

int gt_target_attach(struct gt_tracer *t, struct gt_target *tg)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", tg->fd);
	return gt_links_attach(t, &tg->links, path, t->pid, tg->off, tg->apis);
}

void gt_detach_all(struct gt_tracer *t)
{
	struct gt_links **sets;
	size_t i;

	if (!t->ntargets)
		return;
	sets = calloc(t->ntargets, sizeof(*sets));
	if (!sets) {
		for (i = 0; i < t->ntargets; i++) {
			struct gt_links *one = &t->targets[i].links;

			gt_links_detach(&one, 1);
		}
		return;
	}
	for (i = 0; i < t->ntargets; i++)
		sets[i] = &t->targets[i].links;
	gt_links_detach(sets, t->ntargets);
	free(sets);
}
