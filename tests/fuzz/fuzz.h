/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fuzz.h - shared state of ai_fuzz (tests/fuzz/): the random generator,
 * the per-command errno table in shared memory, and each thread's view of
 * its descriptors, allocations and mappings.
 */
#ifndef AI_FUZZ_H
#define AI_FUZZ_H

#include <setjmp.h>
#include <stdint.h>
#include <stddef.h>
#include <linux/ai_mem.h>
#include <linux/ai_sched.h>

enum fz_cmd {
	C_ALLOC, C_FREE, C_INFO, C_MEM_BADCMD, C_EXPORT, C_BUF_INFO,
	C_REG, C_UNREG, C_UTIL, C_QUERY, C_SCHED_BADCMD,
	C_MMAP, C_MUNMAP, C_MREMAP, C_MPROTECT, C_MADVISE,
	C_TOUCH, C_PVM, C_VMSPLICE, C_DIO, C_FORK, C_DUP, C_SCM, C_RACE,
	C_NR
};

#define FZ_NERR		140	/* errno values counted; index 0 is success */
#define FZ_NMSG		32
#define FZ_MSGLEN	200
#define FZ_MAXTHREADS	256

/* In a MAP_SHARED anonymous mapping: every process and thread adds to it. */
struct fz_shared {
	unsigned long count[C_NR][FZ_NERR];
	unsigned long failures;
	unsigned long ops;
	unsigned long sigbus;
	unsigned long spliced;		/* pages read back from a pipe and checked */
	unsigned long spliced_freed;	/* of those, read after their buffer's FREE */
	unsigned long dio_bytes;	/* O_DIRECT bytes moved and checked */
	unsigned long splice_bad;	/* failures of the vmsplice oracles */
	unsigned long dio_bad;		/* failures of the O_DIRECT oracles */
	unsigned long child_ops[FZ_MAXTHREADS];	/* ran by forked children */
	unsigned int nmsg;
	char msg[FZ_NMSG][FZ_MSGLEN];
};

#define FZ_FDS		4
#define FZ_ALLOCS	16
#define FZ_MAPS		16

/* Allocation states (fz_alloc.live). */
#define A_NONE		0
#define A_LIVE		1	/* FREE-able through its descriptor */
#define A_FREED		2	/* freed while mapped: a touch gets SIGBUS */
#define A_ORPHAN	3	/* its descriptor closed; mappings still valid */

struct fz_alloc {
	int fd;			/* index into fz_thread.memfd */
	int live;
	int dirty;		/* written through some mapping (or maybe by a child) */
	uint64_t offset;
	uint64_t length;	/* rounded up to blocks */
};

struct fz_map {
	char *addr;		/* NULL: free slot */
	size_t len;
	int alloc;		/* index into fz_thread.allocs */
	int dontfork;		/* FZ_MAP_DONTFORK | FZ_MAP_RDONLY */
};
#define FZ_MAP_DONTFORK	1
#define FZ_MAP_RDONLY	2

/*
 * A pipe holding vmspliced pages of one allocation (fuzz_gup.c), read back
 * and checked in a later op or at the thread's end.
 */
struct fz_splice {
	int pipe[2];		/* -1: none held */
	int alloc;		/* its allocation (-1: none); O_DIRECT leaves it be */
	int parent_alloc;	/* in a forked child: the parent's held one */
	int freed;		/* its allocation was freed while the pipe held it */
	uint64_t tag;		/* what the bytes were (fz_tag_byte) */
	size_t start;		/* offset of the bytes in the allocation */
	size_t len;
	unsigned long pages;	/* pages the bytes span */
};

struct fz_thread {
	uint64_t rng;
	int id;			/* global thread number */
	int child;		/* running in a forked child */
	int memfd[FZ_FDS];	/* -1: closed; memfd[FZ_FDS - 1] is read-only */
	int inherited[FZ_FDS];	/* in a child: a descriptor of the parent's */
	int schedfd;
	int pet;		/* a sleeping child process, target of REGISTER */
	int petfd;		/* its pidfd, or -1 */
	int deadpid;		/* a reaped child's pid */
	int deadfd;		/* a pidfd of that dead child, or -1 */
	struct fz_alloc allocs[FZ_ALLOCS];
	struct fz_map maps[FZ_MAPS];
	struct fz_splice splice;
	long ops_left;
	double deadline;
};

extern struct fz_shared *fz;
extern long fz_pool_blocks;
extern int fz_nr_nodes;
extern int fz_forks;	/* 0 (-d): no fork and no close race */
extern int fz_unpriv;	/* -u: the workers run without capabilities */
extern long fz_memlock_blocks;	/* -u: their RLIMIT_MEMLOCK, in blocks */
extern int fz_min_nice;	/* -u: ai_sched's min_nice */
extern int fz_nice_floor;	/* -u: the lowest nice their RLIMIT_NICE allows */
extern int fz_dio_fd;	/* an O_DIRECT block device, or -1 */
extern uint64_t fz_dio_region;	/* bytes of it per thread */
extern __thread sigjmp_buf *fz_jmp;

uint64_t fz_rand(struct fz_thread *t);
static inline uint64_t fz_below(struct fz_thread *t, uint64_t n)
{
	return n ? fz_rand(t) % n : 0;
}
static inline int fz_chance(struct fz_thread *t, int pct)
{
	return (int)fz_below(t, 100) < pct;
}

double fz_now(void);
void fz_fail(struct fz_thread *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Count one result; returns its errno (0 on success). */
int fz_count_(enum fz_cmd c, long rv, int err);
/*
 * A call's result: its errno must be @want (FZ_ANY: any), and one of
 * @allowed (0-terminated). Returns the errno, 0 on success.
 */
int fz_check_(struct fz_thread *t, enum fz_cmd c, long rv, int err,
	      const int *allowed, int want);
/* errno read after @expr ran (argument evaluation order is unspecified) */
#define fz_count(c, expr, unused) ({					\
	long __rv = (long)(expr);					\
	fz_count_(c, __rv, errno); })
#define fz_check(t, c, expr, unused, allowed, want) ({			\
	long __rv = (long)(expr);					\
	fz_check_(t, c, __rv, errno, allowed, want); })

int fz_open_mem(struct fz_thread *t, int slot);
int fz_pick_size(struct fz_thread *t, size_t ssz, size_t ver0);
void *fz_argbuf(void);
void fz_do_free(struct fz_thread *t, int slot, int fd);
void fz_do_info(struct fz_thread *t, int fd);
int fz_pick_alloc(struct fz_thread *t, int state);
void fz_gc_alloc(struct fz_thread *t, int ai);
uint64_t fz_dead_offset(struct fz_thread *t, int slot);
void fz_do_export(struct fz_thread *t, int slot);
int fz_rw_prot(struct fz_map *m);
void fz_drop_map(struct fz_thread *t, int mi);
int fz_info(int fd, struct ai_mem_info *in);
void fz_do_vmsplice(struct fz_thread *t, int mi);
void fz_do_dio(struct fz_thread *t, int mi);
void fz_splice_drain(struct fz_thread *t);
void fz_splice_forked(struct fz_thread *t);
void fz_mem_op(struct fz_thread *t);
void fz_sched_op(struct fz_thread *t);
void fz_proc_op(struct fz_thread *t);
void fz_thread_init(struct fz_thread *t);
void fz_thread_fini(struct fz_thread *t);
void fz_run_ops(struct fz_thread *t);

/* want: the one errno an op must give, FZ_ANY: anything allowed, 0: success */
#define FZ_ANY		(-1)

#endif /* AI_FUZZ_H */
