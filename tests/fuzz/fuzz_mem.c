// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_mem.c - ai_fuzz's /dev/ai_mem operations: ALLOC, FREE, INFO and
 * unknown commands with random, borderline and garbage arguments, and the
 * mmap family on its mappings, each checked against docs/ai_mem.md.
 * EXPORT and BUF_INFO are fuzz_dmabuf.c; vmsplice and O_DIRECT on the
 * mappings fuzz_gup.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include "fuzz.h"

#define PG		4096UL
#define ARGBUF		(2 * PG)

static const int alloc_errs[] = { EBADF, EINVAL, E2BIG, ENOMEM, EDQUOT, EINTR,
				  ENOSPC, EFAULT, 0 };
static const int free_errs[] = { EBADF, EFAULT, EINVAL, E2BIG, 0 };
static const int info_errs[] = { EFAULT, EINVAL, E2BIG, 0 };
static const int mmap_errs[] = { EINVAL, EPERM, EACCES, ENOMEM, 0 };
static const int mm_errs[] = { EINVAL, ENOMEM, EFAULT, EACCES, EBADF, ESPIPE,
				EAGAIN, 0 };

static __thread unsigned char argbuf[ARGBUF] __attribute__((aligned(4096)));

/*
 * Lay out an argument of @ssz bytes (first version @ver0) in argbuf with a
 * random size field: exact, too small, larger with a zero or non-zero tail,
 * over a page. Returns the errno the size alone implies.
 */
int fz_pick_size(struct fz_thread *t, size_t ssz, size_t ver0)
{
	uint32_t size = ssz;
	int want = 0, r = fz_below(t, 100);

	memset(argbuf, 0, ARGBUF);
	if (r < 65) {
		size = ssz;
	} else if (r < 70) {
		size = fz_below(t, ver0);
		want = EINVAL;
	} else if (r < 78) {
		size = ssz + fz_below(t, PG - ssz + 1);
	} else if (r < 86) {
		size = ssz + 1 + fz_below(t, PG - ssz);
		argbuf[ssz + fz_below(t, size - ssz)] = 1 + fz_below(t, 255);
		want = E2BIG;
	} else if (r < 90) {
		size = PG;
	} else {
		size = r < 95 ? PG + 1 + fz_below(t, PG - 1) : (uint32_t)fz_rand(t) | 0x80000000u;
		want = E2BIG;
	}
	*(uint32_t *)argbuf = size;
	return want;
}

void *fz_argbuf(void)
{
	return argbuf;
}

static int find_alloc(struct fz_thread *t, int slot, uint64_t off)
{
	int i;

	for (i = 0; i < FZ_ALLOCS; i++)
		if (t->allocs[i].live == A_LIVE && t->allocs[i].fd == slot &&
		    t->allocs[i].offset == off)
			return i;
	return -1;
}

int fz_pick_alloc(struct fz_thread *t, int state)
{
	int i, start = fz_below(t, FZ_ALLOCS);

	for (i = 0; i < FZ_ALLOCS; i++) {
		struct fz_alloc *a = &t->allocs[(start + i) % FZ_ALLOCS];

		if (a->live == state && (state != A_LIVE || t->memfd[a->fd] >= 0))
			return (start + i) % FZ_ALLOCS;
	}
	return -1;
}

static int alloc_mapped(struct fz_thread *t, int ai)
{
	int i;

	for (i = 0; i < FZ_MAPS; i++)
		if (t->maps[i].addr && t->maps[i].alloc == ai)
			return 1;
	return 0;
}

/* A slot no mapping refers to any more is forgotten. */
void fz_gc_alloc(struct fz_thread *t, int ai)
{
	if (t->allocs[ai].live != A_LIVE && !alloc_mapped(t, ai))
		t->allocs[ai].live = A_NONE;
}

int fz_open_mem(struct fz_thread *t, int slot)
{
	int i;

	for (i = 0; i < FZ_ALLOCS; i++)
		if (t->allocs[i].live == A_LIVE && t->allocs[i].fd == slot) {
			t->allocs[i].live = A_ORPHAN;
			fz_gc_alloc(t, i);
		}
	if (t->memfd[slot] >= 0)
		close(t->memfd[slot]);
	t->inherited[slot] = 0;
	t->memfd[slot] = open("/dev/ai_mem",
			      (slot == FZ_FDS - 1 ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	return t->memfd[slot];
}

/* An offset that names no live allocation of @slot. */
uint64_t fz_dead_offset(struct fz_thread *t, int slot)
{
	uint64_t off;

	do {
		off = fz_chance(t, 70) ? fz_below(t, 4096) * PG :
			fz_chance(t, 50) ? fz_below(t, 1UL << 30) : fz_rand(t);
	} while (find_alloc(t, slot, off) >= 0);
	return off;
}

static uint64_t rand_length(struct fz_thread *t)
{
	switch (fz_below(t, 10)) {
	case 0:
		return PG - 1 + fz_below(t, 3);
	case 1:
		return 1 + fz_below(t, PG);
	case 2:
		return fz_below(t, 512) * PG + fz_below(t, 2);
	case 3:
		return fz_below(t, fz_pool_blocks / 4 + 1) * PG;
	default:
		return (1 + fz_below(t, 16)) * PG;
	}
}

static void do_alloc(struct fz_thread *t, int slot)
{
	struct ai_mem_alloc *a = fz_argbuf();
	int want = fz_pick_size(t, sizeof(*a), sizeof(*a)), e, i;
	void *arg = a;
	uint64_t len;

	a->length = rand_length(t);
	a->node = fz_chance(t, 50) ? AI_MEM_NODE_ANY : (int)fz_below(t, fz_nr_nodes);
	if (a->node >= 0 && fz_chance(t, 30))
		a->flags = AI_MEM_ALLOC_STRICT_NODE;
	if (!want && fz_chance(t, 30)) {
		want = EINVAL;
		switch (fz_below(t, 7)) {
		case 0:
			a->length = 0;
			break;
		case 1:
			a->flags |= 2u << fz_below(t, 31);
			break;
		case 2:
			a->__reserved = 1 + fz_below(t, 0xfffffffe);
			break;
		case 3:
			a->node = -2 - (int)fz_below(t, 1u << 30);
			break;
		case 4:
			a->node = 4096 + fz_below(t, 1u << 30);
			break;
		case 5:
			a->node = -1;
			a->flags = AI_MEM_ALLOC_STRICT_NODE;
			break;
		default:
			a->length = fz_pool_blocks * PG + 1 + fz_below(t, 1UL << 40);
		}
	}
	if (fz_chance(t, 3)) {
		arg = fz_chance(t, 50) ? NULL : (void *)(uintptr_t)(fz_rand(t) | (1UL << 47));
		want = EFAULT;
	}
	if (slot == FZ_FDS - 1)
		want = EBADF;
	len = (a->length + PG - 1) & ~(PG - 1);
	e = fz_check(t, C_ALLOC, ioctl(t->memfd[slot], AI_MEM_IOC_ALLOC, arg), errno,
		     alloc_errs, want ? want : FZ_ANY);
	/* -u: more than RLIMIT_MEMLOCK in one request is ENOMEM or EDQUOT */
	if (!e && !want && fz_unpriv && len > fz_memlock_blocks * PG)
		fz_fail(t, "ALLOC of %llu blocks, over RLIMIT_MEMLOCK (%ld blocks), succeeded",
			(unsigned long long)len / PG, fz_memlock_blocks);
	if (e || want)
		return;
	for (i = 0; i < FZ_ALLOCS && t->allocs[i].live; i++)
		;
	if (i == FZ_ALLOCS) {
		struct ai_mem_free f = { .size = sizeof(f), .offset = a->offset };

		fz_check(t, C_FREE, ioctl(t->memfd[slot], AI_MEM_IOC_FREE, &f), errno,
			 free_errs, 0);
		return;
	}
	t->allocs[i] = (struct fz_alloc){ .fd = slot, .live = A_LIVE,
					  .offset = a->offset, .length = len };
}

/* FREE through @fd, which names the file of descriptor slot @slot. */
void fz_do_free(struct fz_thread *t, int slot, int fd)
{
	struct ai_mem_free *f = fz_argbuf();
	int want = fz_pick_size(t, sizeof(*f), sizeof(*f)), ai = -1;
	void *arg = f;

	if (fz_chance(t, 60))
		ai = fz_pick_alloc(t, A_LIVE);
	if (ai >= 0 && t->allocs[ai].fd == slot)
		f->offset = t->allocs[ai].offset;
	else
		f->offset = fz_dead_offset(t, slot), ai = -1;
	if (!want && fz_chance(t, 15)) {
		f->flags = 1u << fz_below(t, 32);
		want = EINVAL;
	}
	if (fz_chance(t, 3)) {
		arg = (void *)(uintptr_t)(fz_chance(t, 50) ? 8 : fz_rand(t) | (1UL << 47));
		want = EFAULT;
	}
	if (slot == FZ_FDS - 1)
		want = EBADF;
	else if (!want && ai < 0)
		want = EINVAL;
	if (fz_check(t, C_FREE, ioctl(fd, AI_MEM_IOC_FREE, arg), errno, free_errs,
		     want) || want)
		return;
	t->allocs[ai].live = A_FREED;
	fz_gc_alloc(t, ai);
}

void fz_do_info(struct fz_thread *t, int fd)
{
	struct ai_mem_info *in = fz_argbuf();
	int want = fz_pick_size(t, sizeof(*in), sizeof(*in));
	void *arg = in;

	if (!want && fz_chance(t, 10)) {
		in->flags = 1u << fz_below(t, 32);
		want = EINVAL;
	}
	if (fz_chance(t, 3)) {
		arg = (char *)in + ARGBUF - 8;	/* runs off the end: maybe mapped */
		arg = fz_chance(t, 50) ? NULL : arg;
		want = arg ? FZ_ANY : EFAULT;
	}
	if (fz_check(t, C_INFO, ioctl(fd, AI_MEM_IOC_INFO, arg), errno, info_errs,
		     want) || want)
		return;
	if (in->total_blocks != (uint64_t)fz_pool_blocks ||
	    in->free_blocks > in->total_blocks || in->block_size != PG)
		fz_fail(t, "INFO: total %llu free %llu block %llu",
			(unsigned long long)in->total_blocks,
			(unsigned long long)in->free_blocks,
			(unsigned long long)in->block_size);
	/*
	 * The limit is RLIMIT_MEMLOCK without CAP_IPC_LOCK (-u), none with
	 * it; the user's charge (pending blocks included) never passes it.
	 */
	if (in->limit_blocks != (fz_unpriv ? (uint64_t)fz_memlock_blocks : AI_MEM_NO_LIMIT) ||
	    in->user_blocks > in->limit_blocks)
		fz_fail(t, "INFO: user_blocks %llu limit_blocks %llu (RLIMIT_MEMLOCK %ld blocks%s)",
			(unsigned long long)in->user_blocks,
			(unsigned long long)in->limit_blocks, fz_memlock_blocks,
			fz_unpriv ? "" : ", not applied to root");
}

/* INFO with a correct argument, for the GUP ops' checks; 0 or errno. */
int fz_info(int fd, struct ai_mem_info *in)
{
	memset(in, 0, sizeof(*in));
	in->size = sizeof(*in);
	return ioctl(fd, AI_MEM_IOC_INFO, in) ? errno : 0;
}

static void do_badcmd(struct fz_thread *t, int fd)
{
	static const int errs[] = { 0 };
	unsigned int nr = 6 + fz_below(t, 250);	/* past BUF_INFO */
	unsigned long cmd;

	cmd = fz_chance(t, 50) ? _IOC(_IOC_NONE, AI_MEM_IOC_MAGIC, nr, 0) :
		_IOC(1 + fz_below(t, 3), AI_MEM_IOC_MAGIC, fz_below(t, 4),
		     1 + fz_below(t, 200));
	fz_check(t, C_MEM_BADCMD, ioctl(fd, cmd, fz_argbuf()), errno, errs, ENOTTY);
}

static int free_map(struct fz_thread *t)
{
	int i;

	for (i = 0; i < FZ_MAPS; i++)
		if (!t->maps[i].addr)
			return i;
	return -1;
}

void fz_drop_map(struct fz_thread *t, int mi)
{
	int ai = t->maps[mi].alloc;

	t->maps[mi].addr = NULL;
	fz_gc_alloc(t, ai);
}

static void do_mmap(struct fz_thread *t)
{
	int ai = fz_pick_alloc(t, A_LIVE), mi = free_map(t), prot = PROT_READ | PROT_WRITE;
	int flags = MAP_SHARED, want = 0, slot;
	uint64_t off;
	size_t len;
	void *p;

	if (ai < 0 || mi < 0)
		return;
	slot = t->allocs[ai].fd;
	off = t->allocs[ai].offset;
	len = 1 + fz_below(t, t->allocs[ai].length);
	if (fz_chance(t, 10))
		flags |= fz_chance(t, 50) ? MAP_POPULATE : MAP_LOCKED;
	if (fz_chance(t, 30)) {
		want = EINVAL;
		switch (fz_below(t, 5)) {
		case 0:
			flags = MAP_PRIVATE;
			break;
		case 1:
			prot |= PROT_EXEC;
			want = EPERM;
			break;
		case 2:
			len = t->allocs[ai].length + PG * (1 + fz_below(t, 64));
			break;
		case 3:
			if (t->allocs[ai].length > PG) {
				off += PG * (1 + fz_below(t, t->allocs[ai].length / PG - 1));
				break;
			}
			/* fall through */
		default:
			off = fz_dead_offset(t, slot) & ~(PG - 1);
		}
	}
	p = mmap(NULL, len, prot, flags, t->memfd[slot], off);
	if (fz_check(t, C_MMAP, p == MAP_FAILED ? -1 : 0, errno, mmap_errs, want))
		return;
	if (p == MAP_FAILED)
		return;
	if (want) {
		munmap(p, len);
		return;
	}
	t->maps[mi] = (struct fz_map){ .addr = p, .len = len, .alloc = ai };
}

int fz_rw_prot(struct fz_map *m)
{
	return m->dontfork & FZ_MAP_RDONLY ? PROT_READ : PROT_READ | PROT_WRITE;
}

static void do_mm(struct fz_thread *t, int mi)
{
	struct fz_map *m = &t->maps[mi];
	int part = m->len > PG && fz_chance(t, 30), r = fz_below(t, 4), e;
	char *a = m->addr + (part && fz_chance(t, 50) ? PG : 0);
	size_t l = part ? PG : m->len;
	void *q, *res;

	switch (r) {
	case 0:
		if (fz_check(t, C_MUNMAP, munmap(a, l), errno, mm_errs,
			     part ? EINVAL : 0) || part)
			return;
		fz_drop_map(t, mi);
		return;
	case 1: {
		int prot = fz_chance(t, 10) ? PROT_READ | PROT_EXEC :
			   fz_chance(t, 50) ? PROT_READ : PROT_READ | PROT_WRITE;

		/* a part with the protection it has already changes nothing */
		e = fz_check(t, C_MPROTECT, mprotect(a, l, prot), errno, mm_errs,
			     prot & PROT_EXEC ? (part ? FZ_ANY : EACCES) :
			     part && prot != fz_rw_prot(m) ? EINVAL : 0);
		if (!e && !part)
			m->dontfork = (m->dontfork & ~FZ_MAP_RDONLY) |
				      (prot & PROT_WRITE ? 0 : FZ_MAP_RDONLY);
		return;
	}
	case 2:
		if (part) {	/* shrinking splits the mapping: refused */
			res = mremap(m->addr, m->len, m->len - PG, 0);
			fz_check(t, C_MREMAP, res == MAP_FAILED ? -1 : 0, errno, mm_errs,
				 EINVAL);
			if (res != MAP_FAILED)
				m->len -= PG;
			return;
		}
		if (fz_chance(t, 50)) {	/* growing is refused */
			res = mremap(m->addr, m->len, m->len + PG, MREMAP_MAYMOVE);
			e = fz_count(C_MREMAP, res == MAP_FAILED ? -1 : 0, errno);
			if (!e) {
				fz_fail(t, "mremap grew an ai_mem mapping");
				m->addr = res;
				m->len += PG;
			}
			return;
		}
		q = mmap(NULL, m->len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (q == MAP_FAILED)
			return;
		res = mremap(m->addr, m->len, m->len, MREMAP_MAYMOVE | MREMAP_FIXED, q);
		if (fz_check(t, C_MREMAP, res == MAP_FAILED ? -1 : 0, errno, mm_errs, 0))
			munmap(q, m->len);
		else
			m->addr = res;
		return;
	default: {
		static const int adv[] = { MADV_DONTNEED, MADV_DONTFORK, MADV_DOFORK,
					   MADV_WIPEONFORK, MADV_KEEPONFORK, MADV_WILLNEED };
		int ad = adv[fz_below(t, 6)];

		e = fz_check(t, C_MADVISE, madvise(a, l, ad), errno, mm_errs,
			     ad == MADV_WIPEONFORK ? EINVAL :
			     ad == MADV_DONTNEED && !part ? 0 : FZ_ANY);
		if (!e && ad == MADV_DONTFORK)
			m->dontfork |= FZ_MAP_DONTFORK;
		if (!e && ad == MADV_DOFORK && !part)
			m->dontfork &= ~FZ_MAP_DONTFORK;
	}
	}
}

/*
 * process_vm_readv/writev of one byte of the mapping, on ourselves: the
 * pages go through get_user_pages(), which must fail with EFAULT once the
 * buffer is freed and work while it lives.
 */
static void do_pvm(struct fz_thread *t, int mi)
{
	static const int errs[] = { 0 };
	struct fz_map *m = &t->maps[mi];
	struct fz_alloc *al = &t->allocs[m->alloc];
	int wr = (fz_rw_prot(m) & PROT_WRITE) && fz_chance(t, 50);
	char c = 0x33;
	struct iovec local = { .iov_base = &c, .iov_len = 1 };
	struct iovec remote = { .iov_base = m->addr + fz_below(t, m->len), .iov_len = 1 };
	ssize_t n;

	n = wr ? process_vm_writev(getpid(), &local, 1, &remote, 1, 0) :
		 process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
	if (fz_check(t, C_PVM, n < 0 ? -1 : 0, errno, errs,
		     al->live == A_FREED ? EFAULT : 0))
		return;
	if (wr)
		al->dirty = 1;
	else if (!al->dirty && c)
		fz_fail(t, "process_vm_readv of a fresh buffer reads %#x", c & 0xff);
}

static void do_touch(struct fz_thread *t, int mi)
{
	struct fz_map *m = &t->maps[mi];
	struct fz_alloc *al = &t->allocs[m->alloc];
	volatile char *p = m->addr + fz_below(t, m->len);
	int wr = (fz_rw_prot(m) & PROT_WRITE) && fz_chance(t, 50), sig;
	sigjmp_buf jb;
	char v;

	fz_jmp = &jb;
	sig = sigsetjmp(jb, 1);
	if (!sig) {
		v = *p;
		if (!al->dirty && v)
			fz_fail(t, "a fresh buffer reads %#x, not 0", v & 0xff);
		if (wr) {
			*p = 0x5a;
			al->dirty = 1;
		}
	}
	fz_jmp = NULL;
	fz_count_(C_TOUCH, sig ? -1 : 0, sig);	/* counted by signal */
	if (al->live == A_FREED) {
		if (sig == SIGBUS)
			__atomic_fetch_add(&fz->sigbus, 1, __ATOMIC_RELAXED);
		else
			fz_fail(t, "touch of a freed buffer: signal %d, not SIGBUS", sig);
	} else if (sig) {
		fz_fail(t, "touch of a live buffer (state %d) got signal %d",
			al->live, sig);
	}
}

void fz_mem_op(struct fz_thread *t)
{
	int slot = fz_below(t, FZ_FDS), mi = fz_below(t, FZ_MAPS), r;

	if (t->memfd[slot] < 0) {
		fz_open_mem(t, slot);
		return;
	}
	r = fz_below(t, 100);
	if (t->child && t->inherited[slot] && r < 40)
		r = 40;		/* the parent's table stays true */
	if (r < 22)
		do_alloc(t, slot);
	else if (r < 38)
		fz_do_free(t, slot, t->memfd[slot]);
	else if (r < 42)
		fz_do_info(t, t->memfd[slot]);
	else if (r < 45)
		fz_do_export(t, slot);
	else if (r < 48)
		do_badcmd(t, t->memfd[slot]);
	else if (r < 62)
		do_mmap(t);
	else if (r < 70 && t->maps[mi].addr)
		do_mm(t, mi);
	else if (r < 73 && t->maps[mi].addr)
		do_pvm(t, mi);
	else if (r < 76 && t->maps[mi].addr)
		fz_do_vmsplice(t, mi);
	else if (r < 79 && t->maps[mi].addr)
		fz_do_dio(t, mi);
	else if (r < 98 && t->maps[mi].addr)
		do_touch(t, mi);
	else if (r >= 98)
		fz_open_mem(t, slot);	/* close with whatever it holds */
}
