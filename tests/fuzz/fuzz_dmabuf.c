// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_dmabuf.c - ai_fuzz's dma-buf operations: EXPORT of live, freed and
 * invented allocations with random ranges, flags and sizes, BUF_INFO, and
 * on a new dma-buf fd: its size, a mapping read (a fresh buffer reads 0)
 * and written, DMA_BUF_IOCTL_SYNC, and a FREE of the allocation while the
 * dma-buf is mapped, which must leave the mapping valid. Each result is
 * checked against docs/ai_mem.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/dma-buf.h>
#include "fuzz.h"

#define PG		4096UL

static const int export_errs[] = { EBADF, EINVAL, E2BIG, EFAULT, ENOMEM,
				   EMFILE, 0 };
static const int buf_info_errs[] = { EINVAL, E2BIG, EFAULT, 0 };

static void do_buf_info(struct fz_thread *t, int slot, uint64_t off, int live)
{
	struct ai_mem_buf_info *bi = fz_argbuf();
	int want = fz_pick_size(t, sizeof(*bi), sizeof(*bi));

	bi->offset = off;
	if (!want && fz_chance(t, 10)) {
		bi->flags = 1u << fz_below(t, 32);
		want = EINVAL;
	}
	if (!want && !live)
		want = EINVAL;
	if (!want && t->child && t->inherited[slot])
		want = FZ_ANY;	/* the parent may have freed it */
	fz_check(t, C_BUF_INFO, ioctl(t->memfd[slot], AI_MEM_IOC_BUF_INFO, bi),
		 errno, buf_info_errs, want);
}

/* The new dma-buf @fd of @len bytes from allocation @ai, used and closed. */
static void use_dmabuf(struct fz_thread *t, int fd, uint64_t len, int ai,
		       int rdwr, int slot)
{
	struct fz_alloc *al = &t->allocs[ai];
	int shared = t->child && t->inherited[slot];
	volatile unsigned char *p;
	off_t end = lseek(fd, 0, SEEK_END);

	if (end != (off_t)len)
		fz_fail(t, "EXPORT of %llu bytes: lseek(SEEK_END) says %lld",
			(unsigned long long)len, (long long)end);
	if (fz_chance(t, 30)) {
		struct dma_buf_sync s = { DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW };

		if (ioctl(fd, DMA_BUF_IOCTL_SYNC, &s))
			fz_fail(t, "DMA_BUF_IOCTL_SYNC start: %s", strerror(errno));
		s.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW;
		if (ioctl(fd, DMA_BUF_IOCTL_SYNC, &s))
			fz_fail(t, "DMA_BUF_IOCTL_SYNC end: %s", strerror(errno));
	}
	if (shared || !fz_chance(t, 60))
		goto out;
	p = mmap(NULL, len, PROT_READ | (rdwr ? PROT_WRITE : 0), MAP_SHARED,
		 fd, 0);
	if (p == MAP_FAILED) {
		fz_fail(t, "mmap of a %llu-byte dma-buf: %s",
			(unsigned long long)len, strerror(errno));
		goto out;
	}
	if (!al->dirty && (p[0] || p[len - 1]))
		fz_fail(t, "a fresh buffer's dma-buf reads non-zero");
	if (rdwr && fz_chance(t, 50)) {
		p[0] = 0xa5;
		al->dirty = 1;
	}
	/* FREE while the dma-buf is mapped: the mapping stays good. */
	if (al->live == A_LIVE && fz_chance(t, 25)) {
		struct ai_mem_free f = { .size = sizeof(f), .offset = al->offset };

		if (ioctl(t->memfd[slot], AI_MEM_IOC_FREE, &f))
			fz_fail(t, "FREE of an exported allocation: %s",
				strerror(errno));
		al->live = A_FREED;
		fz_gc_alloc(t, ai);
		(void)p[len / 2];	/* a SIGBUS here ends the run: a failure */
		if (rdwr)
			p[len - 1] = 0x5a;
	}
	munmap((void *)p, len);
out:
	close(fd);
}

void fz_do_export(struct fz_thread *t, int slot)
{
	struct ai_mem_export *e = fz_argbuf();
	uint64_t len = 0, size, off;
	int want, ai = -1, valid, err;
	void *arg = e;

	if (fz_chance(t, 75))
		ai = fz_pick_alloc(t, A_LIVE);
	if (ai >= 0 && t->allocs[ai].fd == slot) {
		off = t->allocs[ai].offset;
		len = t->allocs[ai].length;
	} else {
		off = fz_dead_offset(t, slot);
		ai = -1;
	}
	/* BUF_INFO first: both lay out their argument in fz_argbuf(). */
	if (fz_chance(t, 20))
		do_buf_info(t, slot, off, ai >= 0);
	want = fz_pick_size(t, sizeof(*e), sizeof(*e));
	e->offset = off;
	e->flags = fz_below(t, 4);	/* CLOEXEC, RDWR */
	switch (fz_below(t, 4)) {
	case 0:
		break;			/* all of it */
	case 1:
		if (len) {
			e->start = fz_below(t, len / PG) * PG;
			e->length = fz_below(t, (len - e->start) / PG + 1) * PG;
		}
		break;
	case 2:
		e->start = fz_below(t, 2 * len / PG + 2) * PG;
		e->length = fz_below(t, 2 * len / PG + 2) * PG;
		break;
	default:
		e->start = fz_chance(t, 50) ? fz_below(t, len + 1) : fz_rand(t);
		e->length = fz_chance(t, 50) ? fz_below(t, len + 1) : fz_rand(t);
	}
	valid = ai >= 0 && !(e->start % PG) && !(e->length % PG) &&
		e->start < len && e->length <= len - e->start;
	size = e->length ? e->length : len - e->start;
	if (!want && fz_chance(t, 10)) {
		e->flags |= 4u << fz_below(t, 30);
		want = EINVAL;
	}
	if (fz_chance(t, 3)) {
		arg = fz_chance(t, 50) ? NULL : (void *)(uintptr_t)(fz_rand(t) | (1UL << 47));
		want = EFAULT;
	}
	if (slot == FZ_FDS - 1)
		want = EBADF;
	else if (!want && !valid)
		want = EINVAL;
	if (!want && t->child && t->inherited[slot])
		want = FZ_ANY;
	err = fz_check(t, C_EXPORT, ioctl(t->memfd[slot], AI_MEM_IOC_EXPORT, arg),
		       errno, export_errs, want ? want : FZ_ANY);
	if (err)
		return;
	if (want) {
		close(e->fd);	/* FZ_ANY, and it worked */
		return;
	}
	if (e->fd < 0 || !e->nr_segments || e->nr_segments > size / PG) {
		fz_fail(t, "EXPORT: fd %d, %u segments for %llu bytes", e->fd,
			e->nr_segments, (unsigned long long)size);
		return;
	}
	use_dmabuf(t, e->fd, size, ai, e->flags & AI_MEM_EXPORT_RDWR, slot);
}
