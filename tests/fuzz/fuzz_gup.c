// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_gup.c - ai_fuzz's get_user_pages() paths on ai_mem mappings.
 *
 * vmsplice(2) of a mapped range into a pipe; while the pipe holds the
 * pages, the buffer is freed (and the pool asked for blocks), unmapped or
 * its descriptor closed, or a second thread frees it during the splice;
 * the pipe is read back in the same op, a later one or at the thread's
 * end. O_DIRECT reads into and writes from a mapping on a block device
 * (brd's /dev/ram0, opened by main()), with FREE racing the I/O.
 *
 * Oracles: a splice of, or O_DIRECT through, a freed buffer's mapping is
 * EFAULT, and of a live one moves every byte (O_DIRECT into a read-only
 * mapping is EFAULT too); the bytes a pipe gives back are the pattern the
 * thread wrote before the splice, or a byte its own ops write (0x5a, 0x33,
 * 0xa5), never zeroes or another buffer's; while a pipe holds a freed
 * buffer's pages they are pending, out of the pool and still charged to
 * the user; O_DIRECT writes to the disk exactly what the mapping held and
 * reads into it exactly what the disk holds.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include "fuzz.h"

#define PG		4096UL
#define SECTOR		512UL
#define PIPE_PAGES	16	/* a new pipe's buffers (PIPE_DEF_BUFFERS) */

static const int free_errs[] = { 0 };
/* ENOMEM: a pipe buffer or a bio that could not be had */
static const int splice_errs[] = { EFAULT, ENOMEM, 0 };
static const int dio_errs[] = { EFAULT, ENOMEM, 0 };

static __thread unsigned char pipe_buf[PIPE_PAGES * PG];
static __thread unsigned char *dio_buf;		/* fz_dio_region, aligned */
static __thread unsigned char *dio_copy;	/* what a mapping held */

/* Byte @off of pattern @tag: never 0 nor a byte an op writes. */
static unsigned char tag_byte(uint64_t tag, size_t off)
{
	uint64_t x = (tag + off / 8 + 1) * 0x9e3779b97f4a7c15ULL;
	unsigned char b = x >> (8 * (off % 8));

	if (!b || b == 0x5a || b == 0x33 || b == 0xa5)
		b ^= 0x80;
	return b;
}

/* What do_touch (0x5a), do_pvm (0x33) and use_dmabuf (0xa5, 0x5a) write. */
static int own_byte(unsigned char b)
{
	return b == 0x5a || b == 0x33 || b == 0xa5;
}

static void fill(unsigned char *p, size_t len, uint64_t tag, size_t off)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = tag_byte(tag, off + i);
}

/* A FREE of a live allocation of this thread by a second thread. */
struct free_racer {
	pthread_t th;
	int fd;
	uint64_t offset;
	unsigned int delay_us;
	long rv;
	int err;
};

static void *free_racer_fn(void *p)
{
	struct free_racer *r = p;
	struct ai_mem_free f = { .size = sizeof(f), .offset = r->offset };

	if (r->delay_us)
		usleep(r->delay_us);
	r->rv = ioctl(r->fd, AI_MEM_IOC_FREE, &f);
	r->err = errno;
	return NULL;
}

/*
 * Start a racer on allocation @ai if it is this thread's to free (not a
 * parent's inherited one) and the run allows races (not -d). 1: started.
 */
static int race_start(struct fz_thread *t, struct free_racer *r, int ai)
{
	struct fz_alloc *al = &t->allocs[ai];

	if (!fz_forks || al->live != A_LIVE || t->memfd[al->fd] < 0 ||
	    (t->child && t->inherited[al->fd]) || !fz_chance(t, 20))
		return 0;
	r->fd = t->memfd[al->fd];
	r->offset = al->offset;
	r->delay_us = fz_below(t, 300);
	return !pthread_create(&r->th, NULL, free_racer_fn, r);
}

static void race_end(struct fz_thread *t, struct free_racer *r, int ai)
{
	pthread_join(r->th, NULL);
	fz_check_(t, C_FREE, r->rv, r->err, free_errs, 0);
	if (!r->rv) {
		t->allocs[ai].live = A_FREED;
		fz_gc_alloc(t, ai);
	}
}

/* A plain FREE of live allocation @ai; 0 or errno (a failure is counted). */
static int free_alloc(struct fz_thread *t, int ai)
{
	struct fz_alloc *al = &t->allocs[ai];
	struct ai_mem_free f = { .size = sizeof(f), .offset = al->offset };
	int e = fz_check(t, C_FREE, ioctl(t->memfd[al->fd], AI_MEM_IOC_FREE, &f),
			 errno, free_errs, 0);

	if (!e) {
		al->live = A_FREED;
		fz_gc_alloc(t, ai);
	}
	return e;
}

static int any_memfd(struct fz_thread *t)
{
	int i;

	for (i = 0; i < FZ_FDS; i++)
		if (t->memfd[i] >= 0)
			return t->memfd[i];
	return -1;
}

static void splice_bad(struct fz_thread *t)
{
	__atomic_fetch_add(&fz->splice_bad, 1, __ATOMIC_RELAXED);
}

/*
 * The held pipe has the pages of a freed buffer: they must be pending (not
 * back in the pool, not handed out) and still charged to this user. Every
 * bound holds whatever the other threads do: they only add to each count.
 */
static void check_held(struct fz_thread *t, const char *when)
{
	struct fz_splice *sp = &t->splice;
	int fd = any_memfd(t);
	struct ai_mem_info in;

	if (fd < 0 || fz_info(fd, &in))
		return;
	if (in.pending_blocks < sp->pages || in.user_blocks < sp->pages ||
	    in.free_blocks + sp->pages > in.total_blocks) {
		fz_fail(t, "vmsplice: %s, a pipe holds %lu pages of a freed buffer: pending %llu, charged %llu, free %llu of %llu",
			when, sp->pages, (unsigned long long)in.pending_blocks,
			(unsigned long long)in.user_blocks,
			(unsigned long long)in.free_blocks,
			(unsigned long long)in.total_blocks);
		splice_bad(t);
	}
}

static void splice_close(struct fz_splice *sp)
{
	close(sp->pipe[0]);
	close(sp->pipe[1]);
	sp->pipe[0] = sp->pipe[1] = -1;
	sp->alloc = -1;
	sp->freed = 0;
}

/* Read the held pipe back and check every byte. */
void fz_splice_drain(struct fz_thread *t)
{
	struct fz_splice *sp = &t->splice;
	size_t got = 0, bad = 0, first = 0, i;
	ssize_t n;

	if (sp->pipe[0] < 0)
		return;
	if (sp->freed)
		check_held(t, "before it is read");
	while (got < sp->len) {
		n = read(sp->pipe[0], pipe_buf + got, sp->len - got);
		if (n <= 0)
			break;
		got += n;
	}
	for (i = 0; i < got; i++)
		if (pipe_buf[i] != tag_byte(sp->tag, sp->start + i) &&
		    !own_byte(pipe_buf[i]) && !bad++)
			first = i;
	if (got != sp->len || bad) {
		fz_fail(t, "vmsplice: the pipe gave back %zu of %zu bytes, %zu not the buffer's (+%zu: %#x, want %#x)%s",
			got, sp->len, bad, first, pipe_buf[first],
			tag_byte(sp->tag, sp->start + first),
			sp->freed ? ", after its FREE" : "");
		splice_bad(t);
	}
	__atomic_fetch_add(&fz->spliced, sp->pages, __ATOMIC_RELAXED);
	if (sp->freed)
		__atomic_fetch_add(&fz->spliced_freed, sp->pages, __ATOMIC_RELAXED);
	splice_close(sp);
}

/* In a forked child: the parent's pipe is the parent's to read. */
void fz_splice_forked(struct fz_thread *t)
{
	struct fz_splice *sp = &t->splice;

	sp->parent_alloc = sp->pipe[0] >= 0 ? sp->alloc : -1;
	if (sp->pipe[0] >= 0) {
		close(sp->pipe[0]);
		close(sp->pipe[1]);
	}
	sp->pipe[0] = sp->pipe[1] = -1;
	sp->alloc = -1;
	sp->freed = 0;
}

/* Ask the pool for the blocks a held pipe pins: it must not give them. */
static void grab(struct fz_thread *t, int slot, unsigned long pages)
{
	struct ai_mem_alloc a = { .size = sizeof(a), .length = pages * PG,
				  .node = AI_MEM_NODE_ANY };
	struct ai_mem_free f = { .size = sizeof(f) };
	char *p;

	if (ioctl(t->memfd[slot], AI_MEM_IOC_ALLOC, &a))
		return;
	p = mmap(NULL, a.length, PROT_READ | PROT_WRITE, MAP_SHARED,
		 t->memfd[slot], a.offset);
	if (p != MAP_FAILED) {
		memset(p, 0xee, a.length);
		munmap(p, a.length);
	}
	f.offset = a.offset;
	ioctl(t->memfd[slot], AI_MEM_IOC_FREE, &f);
}

void fz_do_vmsplice(struct fz_thread *t, int mi)
{
	struct fz_splice *sp = &t->splice;
	struct fz_map *m = &t->maps[mi];
	int ai = m->alloc, slot = t->allocs[ai].fd, freed, want, race, e, r;
	size_t mlen = (m->len + PG - 1) & ~(PG - 1), start, len, room;
	struct free_racer rc;
	struct iovec iov;
	long cap;
	ssize_t n;

	if (sp->pipe[0] >= 0) {		/* one pipe at a time */
		fz_splice_drain(t);
		return;
	}
	freed = t->allocs[ai].live == A_FREED;
	/* a parent's pipe holds that one's pages: their bytes stay as they are */
	if (ai == sp->parent_alloc ||
	    (!freed && !(fz_rw_prot(m) & PROT_WRITE)))
		return;			/* its bytes cannot be made known */
	if (pipe2(sp->pipe, O_CLOEXEC | O_NONBLOCK)) {
		sp->pipe[0] = sp->pipe[1] = -1;
		return;
	}
	cap = fcntl(sp->pipe[0], F_GETPIPE_SZ) / (long)PG;
	if (cap < 1 || cap > PIPE_PAGES)
		cap = cap < 1 ? 1 : PIPE_PAGES;
	/* whole pages or any bytes, never more pages than the pipe has buffers */
	if (fz_chance(t, 50)) {
		start = fz_below(t, mlen / PG) * PG;
		room = mlen - start < cap * PG ? mlen - start : cap * PG;
		len = (1 + fz_below(t, room / PG)) * PG;
	} else {
		start = fz_below(t, mlen);
		room = cap * PG - start % PG;
		room = mlen - start < room ? mlen - start : room;
		len = 1 + fz_below(t, room);
	}
	sp->tag = fz_rand(t);
	sp->start = start;
	if (!freed) {
		fill((unsigned char *)m->addr + start, len, sp->tag, start);
		t->allocs[ai].dirty = 1;
	}
	want = freed ? EFAULT : 0;
	race = !freed && race_start(t, &rc, ai);
	iov.iov_base = m->addr + start;
	iov.iov_len = len;
	n = vmsplice(sp->pipe[1], &iov, 1, SPLICE_F_NONBLOCK);
	e = fz_check(t, C_VMSPLICE, n < 0 ? -1 : 0, errno, splice_errs,
		     race ? FZ_ANY : want);
	if (race)
		race_end(t, &rc, ai);	/* the mapping may be gone now */
	if (!e && !race && (size_t)n != len) {
		fz_fail(t, "vmsplice of %zu bytes of a live buffer spliced %zd", len, n);
		splice_bad(t);
	}
	if (e || n <= 0 || freed) {
		splice_close(sp);
		return;
	}
	sp->alloc = ai;
	sp->len = n;
	sp->pages = (start + n + PG - 1) / PG - start / PG;
	sp->freed = race && t->allocs[ai].live != A_LIVE;
	if (sp->freed)
		check_held(t, "FREE raced the splice");

	/*
	 * While the pipe holds the pages. -d keeps to what repeats exactly:
	 * pages a pipe held after their FREE come back on the pending poll,
	 * whose timing would move later ENOMEMs.
	 */
	r = fz_below(t, 100);
	if (!fz_forks && r < 70)
		r += 30;
	if (r < 40 && t->allocs[ai].live == A_LIVE && t->memfd[slot] >= 0 &&
	    !(t->child && t->inherited[slot])) {
		if (!free_alloc(t, ai)) {
			sp->freed = 1;
			check_held(t, "right after FREE");
			if (fz_chance(t, 30)) {
				grab(t, slot, sp->pages);
				check_held(t, "after ALLOCs of the pool");
			}
		}
	} else if (r < 60 && t->allocs[ai].live == A_LIVE) {
		if (!fz_check(t, C_MUNMAP, munmap(m->addr, m->len), errno, free_errs, 0))
			fz_drop_map(t, mi);
	} else if (r < 70 && t->memfd[slot] >= 0) {
		fz_open_mem(t, slot);	/* its last close frees what no one maps */
	}
	if (!fz_forks || fz_chance(t, 50))
		fz_splice_drain(t);
}

/*
 * O_DIRECT between mapping @mi and this thread's region of the block
 * device: a write of the mapping's bytes, read back through a private
 * buffer, or a read of a known pattern into the mapping.
 */
void fz_do_dio(struct fz_thread *t, int mi)
{
	struct fz_map *m = &t->maps[mi];
	struct fz_splice *sp = &t->splice;
	int ai = m->alloc, freed, rd, race, want, e;
	size_t mlen = (m->len + PG - 1) & ~(PG - 1), start, room, len;
	off_t disk = (off_t)(t->id % 32) * fz_dio_region;
	unsigned char *p;
	struct free_racer rc;
	uint64_t tag;
	ssize_t n;

	if (fz_dio_fd < 0)
		return;
	if (!dio_copy) {
		dio_copy = malloc(fz_dio_region);
		if (!dio_copy || posix_memalign((void **)&dio_buf, PG, fz_dio_region)) {
			free(dio_copy);
			dio_copy = NULL;
			return;
		}
	}
	freed = t->allocs[ai].live == A_FREED;
	start = fz_below(t, mlen / SECTOR) * SECTOR;
	room = mlen - start < fz_dio_region ? mlen - start : fz_dio_region;
	len = (1 + fz_below(t, room / SECTOR)) * SECTOR;
	p = (unsigned char *)m->addr + start;
	/* a pipe's pages (ours or the parent's) keep the bytes it was given */
	rd = fz_chance(t, 50) && ai != sp->alloc && ai != sp->parent_alloc;
	tag = fz_rand(t);
	if (rd) {
		fill(dio_buf, len, tag, 0);
		if (pwrite(fz_dio_fd, dio_buf, len, disk) != (ssize_t)len) {
			fz_fail(t, "O_DIRECT write of a private buffer: %s", strerror(errno));
			__atomic_fetch_add(&fz->dio_bad, 1, __ATOMIC_RELAXED);
			return;
		}
		want = freed || !(fz_rw_prot(m) & PROT_WRITE) ? EFAULT : 0;
	} else {
		if (!freed)
			memcpy(dio_copy, p, len);
		want = freed ? EFAULT : 0;
	}
	race = !freed && race_start(t, &rc, ai);
	n = rd ? pread(fz_dio_fd, p, len, disk) : pwrite(fz_dio_fd, p, len, disk);
	e = fz_check(t, C_DIO, n < 0 ? -1 : 0, errno, dio_errs, race ? FZ_ANY : want);
	if (rd && !freed)
		t->allocs[ai].dirty = 1;
	if (race)
		race_end(t, &rc, ai);
	if (e || n <= 0 || freed)
		return;
	if (!race && (size_t)n != len) {
		fz_fail(t, "O_DIRECT %s of %zu bytes moved %zd", rd ? "read" : "write", len, n);
		__atomic_fetch_add(&fz->dio_bad, 1, __ATOMIC_RELAXED);
		return;
	}
	if (rd && race)
		return;		/* the mapping is gone */
	if (!rd && pread(fz_dio_fd, dio_buf, n, disk) != n) {
		fz_fail(t, "O_DIRECT read back of %zd bytes: %s", n, strerror(errno));
		__atomic_fetch_add(&fz->dio_bad, 1, __ATOMIC_RELAXED);
		return;
	}
	if (rd)
		fill(dio_copy, n, tag, 0);
	if (memcmp(rd ? p : dio_buf, dio_copy, n)) {
		fz_fail(t, "O_DIRECT %s of %zd bytes%s: the data differs", rd ? "read into a mapping" :
			"write from a mapping", n, race ? " raced by FREE" : "");
		__atomic_fetch_add(&fz->dio_bad, 1, __ATOMIC_RELAXED);
		return;
	}
	__atomic_fetch_add(&fz->dio_bytes, n, __ATOMIC_RELAXED);
}
