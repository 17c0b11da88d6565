// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * libai: ai_alloc_pinned() and friends on top of /dev/ai_mem.
 *
 * One descriptor per process, opened on first use. Each live buffer is
 * remembered by address (to find its length and mmap offset at free time)
 * in an open-addressing hash table with linear probing, protected by one
 * mutex; the ioctl and mmap calls themselves run outside it.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libai.h"

#define AI_EXPORT __attribute__((visibility("default")))
#define AI_DEVICE "/dev/ai_mem"

struct ai_region {
	uintptr_t addr;		/* 0: empty slot */
	size_t len;
	uint64_t offset;
};

static pthread_mutex_t ai_lock = PTHREAD_MUTEX_INITIALIZER;
static int ai_fd = -1;			/* under ai_lock until set */
static struct ai_region *ai_tab;	/* [ai_cap], under ai_lock */
static size_t ai_cap, ai_used;

static size_t ai_slot(uintptr_t addr, size_t cap)
{
	/* Addresses are page-aligned: mix the high bits down. */
	uint64_t h = (uint64_t)addr * 0x9e3779b97f4a7c15ULL;

	return (size_t)(h >> 32) & (cap - 1);
}

static void ai_tab_put(struct ai_region *tab, size_t cap,
		       const struct ai_region *r)
{
	size_t i = ai_slot(r->addr, cap);

	while (tab[i].addr)
		i = (i + 1) & (cap - 1);
	tab[i] = *r;
}

/* Keeps the table at most half full. Caller holds ai_lock. */
static int ai_tab_insert(const struct ai_region *r)
{
	if ((ai_used + 1) * 2 > ai_cap) {
		size_t cap = ai_cap ? ai_cap * 2 : 64, i;
		struct ai_region *tab = calloc(cap, sizeof(*tab));

		if (!tab)
			return -1;
		for (i = 0; i < ai_cap; i++)
			if (ai_tab[i].addr)
				ai_tab_put(tab, cap, &ai_tab[i]);
		free(ai_tab);
		ai_tab = tab;
		ai_cap = cap;
	}
	ai_tab_put(ai_tab, ai_cap, r);
	ai_used++;
	return 0;
}

/* The slot holding @addr, or -1. Caller holds ai_lock. */
static long ai_tab_lookup(uintptr_t addr)
{
	size_t i;

	if (!ai_cap)
		return -1;
	for (i = ai_slot(addr, ai_cap); ai_tab[i].addr != addr;
	     i = (i + 1) & (ai_cap - 1))
		if (!ai_tab[i].addr)
			return -1;
	return (long)i;
}

/* Remove @addr into @out; backward-shift deletion keeps probes intact. */
static int ai_tab_remove(uintptr_t addr, struct ai_region *out)
{
	long at = ai_tab_lookup(addr);
	size_t i, j, k;

	if (at < 0)
		return -1;
	i = (size_t)at;
	*out = ai_tab[i];
	ai_used--;
	for (j = (i + 1) & (ai_cap - 1); ai_tab[j].addr;
	     j = (j + 1) & (ai_cap - 1)) {
		k = ai_slot(ai_tab[j].addr, ai_cap);
		/* Move j into the hole at i unless its home lies in (i, j]. */
		if ((j > i && (k <= i || k > j)) || (j < i && k <= i && k > j)) {
			ai_tab[i] = ai_tab[j];
			i = j;
		}
	}
	ai_tab[i].addr = 0;
	return 0;
}

static int ai_device(void)
{
	int fd;

	fd = __atomic_load_n(&ai_fd, __ATOMIC_ACQUIRE);
	if (fd >= 0)
		return fd;
	pthread_mutex_lock(&ai_lock);
	if (ai_fd < 0) {
		fd = open(AI_DEVICE, O_RDWR | O_CLOEXEC);
		if (fd >= 0)
			__atomic_store_n(&ai_fd, fd, __ATOMIC_RELEASE);
	}
	fd = ai_fd;
	pthread_mutex_unlock(&ai_lock);
	return fd;
}

/*
 * Map every page now, so the buffer is ready for DMA when we return. The
 * kernel maps an aligned 2 MiB window per fault (docs/ai_mem.md), so one
 * read per window does it; MAP_POPULATE would walk every page through
 * get_user_pages() instead, about three times slower for 64 MiB.
 */
#define AI_FAULT_WINDOW	((size_t)2 << 20)

static void ai_prefault(char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i += AI_FAULT_WINDOW)
		(void)*(volatile char *)(p + i);
}

static void ai_release(int fd, uint64_t offset)
{
	struct ai_mem_free req = { .size = sizeof(req), .offset = offset };
	int saved = errno;

	ioctl(fd, AI_MEM_IOC_FREE, &req);
	errno = saved;
}

AI_EXPORT void *ai_alloc_pinned_node(size_t size, int node, unsigned int flags)
{
	struct ai_mem_alloc req = {
		.size = sizeof(req), .flags = flags, .length = size, .node = node,
	};
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct ai_region r;
	void *p;
	int fd;

	if (!size || size > SIZE_MAX - page) {
		errno = EINVAL;
		return NULL;
	}
	fd = ai_device();
	if (fd < 0)
		return NULL;
	if (ioctl(fd, AI_MEM_IOC_ALLOC, &req))
		return NULL;

	r.len = (size + page - 1) & ~(page - 1);
	r.offset = req.offset;
	p = mmap(NULL, r.len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)req.offset);
	if (p == MAP_FAILED) {
		ai_release(fd, req.offset);
		return NULL;
	}
	ai_prefault(p, r.len);

	r.addr = (uintptr_t)p;
	pthread_mutex_lock(&ai_lock);
	if (ai_tab_insert(&r)) {
		pthread_mutex_unlock(&ai_lock);
		munmap(p, r.len);
		ai_release(fd, req.offset);
		errno = ENOMEM;
		return NULL;
	}
	pthread_mutex_unlock(&ai_lock);
	return p;
}

AI_EXPORT void *ai_alloc_pinned(size_t size)
{
	return ai_alloc_pinned_node(size, AI_MEM_NODE_ANY, 0);
}

AI_EXPORT void ai_free_pinned(void *addr)
{
	struct ai_region r;
	int found;

	if (!addr)
		return;
	pthread_mutex_lock(&ai_lock);
	found = !ai_tab_remove((uintptr_t)addr, &r);
	pthread_mutex_unlock(&ai_lock);
	if (!found) {
		errno = EINVAL;
		return;
	}
	munmap(addr, r.len);
	ai_release(ai_fd, r.offset);
}

AI_EXPORT int ai_mem_stats(struct ai_mem_info *info)
{
	int fd = ai_device();

	if (fd < 0)
		return -1;
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return ioctl(fd, AI_MEM_IOC_INFO, info) ? -1 : 0;
}

/*
 * ai_lock is held across the ioctl: a racing ai_free_pinned() of the same
 * buffer then either removed it first (EINVAL here) or frees it after the
 * export, and its offset cannot name a newer buffer meanwhile.
 */
AI_EXPORT int ai_export_dmabuf(void *addr, size_t offset, size_t len,
			       unsigned int flags)
{
	struct ai_mem_export req = {
		.size = sizeof(req), .flags = flags, .start = offset,
		.length = len,
	};
	long at;
	int ret;

	pthread_mutex_lock(&ai_lock);
	at = ai_fd < 0 ? -1 : ai_tab_lookup((uintptr_t)addr);
	if (at < 0) {
		pthread_mutex_unlock(&ai_lock);
		errno = EINVAL;
		return -1;
	}
	req.offset = ai_tab[at].offset;
	ret = ioctl(ai_fd, AI_MEM_IOC_EXPORT, &req);
	pthread_mutex_unlock(&ai_lock);
	return ret ? -1 : req.fd;
}
