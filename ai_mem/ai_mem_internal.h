/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ai_mem internals shared by the pool, the accounting, the file operations,
 * the mappings and /proc/ai_memory. The user ABI is
 * include/uapi/linux/ai_mem.h; the design is docs/ai_mem.md.
 */
#ifndef AI_MEM_INTERNAL_H
#define AI_MEM_INTERNAL_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/nodemask.h>
#include <linux/rbtree.h>
#include <linux/refcount.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

struct seq_file;
struct user_struct;

/* One block is one page; the ABI reports the size, x86-64 has 4 KiB. */
#define AI_MEM_BLOCK_SIZE	PAGE_SIZE

/*
 * Most pages any bulk loop handles per lock hold or per fault: the pool's
 * spinlock is never held, and no fault runs, for work that grows with a
 * buffer's size.
 */
#define AI_MEM_BATCH		64
/* Page pointers per descriptor chunk: one page of them. */
#define AI_MEM_CHUNK		(PAGE_SIZE / sizeof(struct page *))

/*
 * A run: AI_MEM_RUN physically contiguous pages, 2 MiB-aligned, all in the
 * pool. The pool keeps runs whole for as long as it can, so that a large
 * allocation maps to few DMA segments (ai_mem_dmabuf.c).
 */
#define AI_MEM_RUN_ORDER	9
#define AI_MEM_RUN		(1UL << AI_MEM_RUN_ORDER)

/*
 * Free blocks of one NUMA node. They sit on four stacks: whole runs and
 * loose pages, each clean (zeroed, ready to hand out) or dirty (freed, not
 * yet zeroed); a run stack holds a run's first page. The zero worker holds
 * at most one batch or one run between the stacks. @nr_free counts the
 * free blocks (pages) nobody has reserved: an allocation reserves its
 * share of a node first and pops the pages after, a batch or a run at a
 * time, so the pages on the stacks plus the worker's >= nr_free always.
 * Runs are broken into loose pages only when no loose page is left, and
 * come back whole when all their pages return together. All fields but
 * nid/total/fallback/zero_work are protected by ai_mem_pool.lock.
 */
struct ai_mem_node {
	int nid;
	unsigned long total;		/* blocks of the pool on this node */
	unsigned long nr_free;
	unsigned long nr_clean;
	unsigned long nr_dirty;
	unsigned long nr_runs;		/* clean runs */
	unsigned long nr_dirty_runs;
	bool zeroing_run;		/* the zero worker holds a run */
	struct page **clean;		/* [total] */
	struct page **dirty;		/* [total] */
	struct page **runs;		/* [total / AI_MEM_RUN] */
	struct page **dirty_runs;	/* [total / AI_MEM_RUN] */
	int *fallback;			/* pool node indices, nearest first */
	struct work_struct zero_work;
};

/*
 * The pool. Every block is in exactly one place: free on a node (clean,
 * dirty or being zeroed), held by an allocation, or pending (freed by its
 * owner, still referenced by someone else, e.g. a long-term pin; it goes
 * back once its page count drops to our own reference). Hence
 * free + held + pending == total at all times.
 */
struct ai_mem_pool {
	spinlock_t lock;		/* protects counters, stacks, @pending */
	unsigned long total;
	unsigned long nr_free;
	unsigned long nr_pending;
	unsigned long zero_seq;		/* zero batches completed */
	struct list_head pending;	/* ai_mem_blocks with pages out */
	unsigned long pending_delay;	/* next poll, jiffies; backs off */
	int nr_nodes;
	struct ai_mem_node *nodes;	/* [nr_nodes] */
	struct ai_mem_node **by_nid;	/* [nr_node_ids], NULL: no blocks */
	wait_queue_head_t zero_wait;	/* woken when a zero batch lands */
	struct workqueue_struct *wq;
	struct delayed_work pending_work;
};

extern struct ai_mem_pool ai_mem_pool;

/*
 * What one user is charged for: every block its allocations hold, pending
 * ones included, until the block is back in the pool. The same pages are
 * charged to the user's locked_vm (RLIMIT_MEMLOCK, as io_uring does), so
 * io_uring and ai_mem share one limit. Protected by the charge
 * table's mutex (ai_mem_charge.c); a record lives while @blocks > 0 or
 * @files > 0 (open files whose opener it is keep it, so that charging
 * through them allocates nothing).
 */
struct ai_mem_user {
	struct hlist_node link;
	struct user_struct *user;	/* reference held */
	unsigned long blocks;
	unsigned long files;
};

/*
 * The pages of one allocation and its charge. Held by the allocation until
 * FREE and by each dma-buf exported from it (@users); when the last holder
 * lets go, owned by the pool until every page is back (@nr_out of them
 * still referenced elsewhere, kept at the front). @written: the pages may
 * hold data (mapped or exported), so they go back dirty. The pages never
 * change while anyone holds @b. They are found through chunks of
 * AI_MEM_CHUNK pointers; a buffer of one chunk keeps it inline.
 */
struct ai_mem_blocks {
	refcount_t users;
	atomic_t exports;		/* dma-bufs alive */
	bool written;
	unsigned long nr;
	unsigned long nr_out;
	struct ai_mem_user *charge;
	struct list_head link;		/* on ai_mem_pool.pending */
	unsigned long nr_chunks;
	struct page **chunk[];
};

static inline struct page **ai_mem_blocks_slot(struct ai_mem_blocks *b,
					       unsigned long i)
{
	return &b->chunk[i / AI_MEM_CHUNK][i % AI_MEM_CHUNK];
}

struct ai_mem_blocks *ai_mem_blocks_alloc(unsigned long nr);
void ai_mem_blocks_free(struct ai_mem_blocks *b);
unsigned long ai_mem_blocks_segments(struct ai_mem_blocks *b,
				     unsigned long first, unsigned long n);
void ai_mem_blocks_put(struct ai_mem_blocks *b);

int ai_mem_pool_init(unsigned long nr_blocks, bool numa);
void ai_mem_pool_exit(void);
bool ai_mem_pool_may_get(unsigned long n, int nid, bool strict);
int ai_mem_pool_get(struct ai_mem_blocks *b, int nid, bool strict,
		    const nodemask_t *prefer);
void ai_mem_pool_put(struct ai_mem_blocks *b, bool clean);
void ai_mem_pool_show_nodes(struct seq_file *m);
unsigned long ai_mem_pool_free_runs(void);
void ai_mem_pool_drop_pending(void);
void ai_mem_zero_work(struct work_struct *work);
void ai_mem_pending_work(struct work_struct *work);

extern unsigned int ai_mem_user_max_mb;
struct ai_mem_user *ai_mem_user_get(void);
void ai_mem_user_put(struct ai_mem_user *u);
int ai_mem_charge(struct ai_mem_user *hint, unsigned long n,
		  struct ai_mem_user **out);
void ai_mem_uncharge(struct ai_mem_user *u, unsigned long n);
void ai_mem_charge_query(struct ai_mem_user *hint, unsigned long *blocks,
			 unsigned long *limit);
void ai_mem_users_show(struct seq_file *m, bool all, kuid_t self);

/* A run of mmap page offsets in one file's space (ai_mem_offsets.c). */
struct ai_mem_range {
	struct rb_node rb;
	unsigned long start;		/* first page offset */
	unsigned long nr;
	unsigned long gap;		/* free offsets right before @start */
	unsigned long max_gap;		/* largest @gap in this subtree */
};

int ai_mem_offsets_insert(struct rb_root *root, struct ai_mem_range *r,
			  unsigned long nr, unsigned long limit);
void ai_mem_offsets_erase(struct rb_root *root, struct ai_mem_range *r);
struct ai_mem_range *ai_mem_offsets_find(struct rb_root *root,
					 unsigned long start);

/*
 * One open file of /dev/ai_mem: the owner of allocations. fork(), dup() and
 * SCM_RIGHTS share the struct file and hence this owner. Each file has its
 * own address_space (f_mapping), so its mappings are torn down without
 * touching anyone else's, and its own offset space (@offsets).
 *
 * @lock protects @offsets, @nr_blocks, @mapped_bytes and, in every buffer
 * of @offsets, ->dead (together with the buffer's sem), ->mapped_once and
 * ->mapped_bytes. Readers of /proc and AI_MEM_IOC_INFO read the two
 * counters without it (a racy snapshot is fine there).
 *
 * Lock order: mmap_lock (or the VMA lock) -> ai_mem_file.lock ->
 * ai_mem_buf.sem -> i_mmap_rwsem / page table locks -> ai_mem_pool.lock.
 */
struct ai_mem_file {
	struct mutex lock;		/* see above */
	struct rb_root offsets;		/* ai_mem_buf.range, by start */
	unsigned long nr_blocks;	/* blocks held */
	unsigned long mapped_bytes;	/* sum of sizes of live VMAs */
	struct address_space *mapping;	/* ours; the file's f_mapping */
	struct pid *pid;		/* thread group that opened it */
	kuid_t uid;			/* who opened it */
	struct ai_mem_user *opener;	/* the opener's charge row, held */
	char comm[TASK_COMM_LEN];
	struct list_head link;		/* on ai_mem_files, ai_mem_files_lock */
};

/*
 * One allocation. The owner's offset tree holds one reference, every VMA
 * one more; its offset range is reused only once the last is gone. Once
 * freed (dead), @blocks belongs to the pool and must not be used: faults
 * check @dead under @sem (read) and FREE sets it under @sem (write) before
 * it tears the mappings down, so no page table entry can be created after
 * the teardown.
 */
struct ai_mem_buf {
	struct kref ref;
	struct ai_mem_file *owner;
	struct rw_semaphore sem;
	bool dead;
	bool mapped_once;
	unsigned long mapped_bytes;
	struct ai_mem_range range;	/* its page offsets in the owner */
	unsigned long nr_pages;
	struct ai_mem_blocks *blocks;
};

void ai_mem_buf_put(struct ai_mem_buf *buf);
struct ai_mem_buf *ai_mem_buf_find(struct ai_mem_file *f, pgoff_t pgoff);

extern const struct file_operations ai_mem_fops;

int ai_mem_mmap(struct file *file, struct vm_area_struct *vma);
vm_fault_t ai_mem_map_window(struct vm_area_struct *vma, unsigned long address,
			     struct ai_mem_blocks *b, unsigned long base);
void ai_mem_vma_mod_flags(struct vm_area_struct *vma, vm_flags_t set,
			  vm_flags_t clear);

int ai_mem_dmabuf_export(struct ai_mem_blocks *blocks, unsigned long first,
			 unsigned long nr, u32 flags, s32 __user *ufd);
void ai_mem_dmabuf_show(struct seq_file *m);
void ai_mem_files_show(struct seq_file *m, bool all, kuid_t self,
		       struct pid_namespace *ns);
int ai_mem_proc_init(void);
void ai_mem_proc_exit(void);

#endif /* AI_MEM_INTERNAL_H */
