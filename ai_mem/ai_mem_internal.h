/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ai_mem internals shared by the pool, the file operations, the mappings and
 * /proc/ai_memory. The user ABI is include/uapi/linux/ai_mem.h.
 */
#ifndef AI_MEM_INTERNAL_H
#define AI_MEM_INTERNAL_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/rbtree.h>

struct seq_file;

/* One block is one page; the ABI reports the size, x86-64 has 4 KiB. */
#define AI_MEM_BLOCK_SIZE	PAGE_SIZE

/*
 * Free blocks of one NUMA node. They sit on two stacks: clean (zeroed,
 * ready to hand out) and dirty (freed, not yet zeroed). The zero worker moves
 * pages from dirty to clean a batch at a time; while it holds a batch those
 * pages are counted in nr_zeroing. All fields but nid/total/zero_work are
 * protected by ai_mem_pool.lock.
 */
struct ai_mem_node {
	int nid;
	unsigned long total;		/* blocks of the pool on this node */
	unsigned long nr_clean;
	unsigned long nr_dirty;
	unsigned long nr_zeroing;
	struct page **clean;		/* [total] */
	struct page **dirty;		/* [total] */
	int *fallback;			/* pool node indices, nearest first */
	struct work_struct zero_work;
};

/*
 * The pool. Every block is in exactly one place: a node's clean, dirty or
 * zeroing set (together: free), an allocation (held), or the pending array
 * (freed by its owner but still referenced by someone, e.g. a GUP pin; it
 * goes back to a dirty stack once its page count drops to our own
 * reference). Hence free + held + pending == total at all times.
 */
struct ai_mem_pool {
	spinlock_t lock;		/* protects the counters and stacks */
	unsigned long total;
	unsigned long nr_free;
	unsigned long nr_zeroing;
	unsigned long nr_pending;
	unsigned long zero_seq;		/* zero batches completed */
	struct page **pending;		/* [total] */
	int nr_nodes;
	struct ai_mem_node *nodes;	/* [nr_nodes] */
	struct ai_mem_node **by_nid;	/* [nr_node_ids], NULL: no blocks */
	wait_queue_head_t zero_wait;	/* woken when a zero batch lands */
	struct workqueue_struct *wq;
	struct delayed_work pending_work;
};

extern struct ai_mem_pool ai_mem_pool;

struct ai_mem_stats {
	unsigned long total;
	unsigned long free;
	unsigned long pending;
};

int ai_mem_pool_init(unsigned long nr_blocks, bool numa);
void ai_mem_pool_exit(void);
int ai_mem_pool_get(unsigned long n, int nid, bool strict,
		    struct page **pages);
void ai_mem_pool_put(struct page **pages, unsigned long n, bool clean);
void ai_mem_pool_stats(struct ai_mem_stats *st);
void ai_mem_pool_show_nodes(struct seq_file *m);

/*
 * One open file of /dev/ai_mem: the owner of allocations. fork(), dup() and
 * SCM_RIGHTS share the struct file and hence this owner.
 *
 * @lock protects @bufs, @nr_blocks, @mapped_bytes and, in every buffer of
 * @bufs, ->dead (together with the buffer's sem), ->mapped_once and
 * ->mapped_bytes. Readers of /proc and AI_MEM_IOC_INFO read the two
 * counters without it (a racy snapshot is fine there).
 *
 * Lock order: mmap_lock -> ai_mem_file.lock -> ai_mem_buf.sem ->
 * i_mmap_rwsem / page table locks -> ai_mem_pool.lock.
 */
struct ai_mem_file {
	struct mutex lock;		/* see above */
	struct rb_root bufs;		/* ai_mem_buf by pgoff */
	unsigned long nr_blocks;	/* blocks held */
	unsigned long mapped_bytes;	/* sum of sizes of live VMAs */
	struct address_space *mapping;	/* where our VMAs are linked */
	struct pid *pid;		/* thread group that opened it */
	char comm[TASK_COMM_LEN];
	struct list_head link;		/* on ai_mem_files, ai_mem_files_lock */
};

/*
 * One allocation. The owner's tree holds one reference, every VMA one
 * more. Once freed (dead), its pages are back in the pool and @pages must
 * not be used: faults check @dead under @sem (read) and FREE sets it under
 * @sem (write) before it tears the mappings down, so no page table entry
 * can be created after the teardown.
 */
struct ai_mem_buf {
	struct kref ref;
	struct rb_node node;		/* in owner->bufs while live */
	struct rw_semaphore sem;
	bool dead;
	bool mapped_once;
	unsigned long mapped_bytes;
	pgoff_t pgoff;			/* offset >> PAGE_SHIFT, globally unique */
	unsigned long nr_pages;
	struct page *pages[];
};

void ai_mem_buf_put(struct ai_mem_buf *buf);
struct ai_mem_buf *ai_mem_buf_find(struct ai_mem_file *f, pgoff_t pgoff);

extern const struct file_operations ai_mem_fops;
extern unsigned int ai_mem_owner_max_mb;

int ai_mem_mmap(struct file *file, struct vm_area_struct *vma);
void ai_mem_files_show(struct seq_file *m);
int ai_mem_proc_init(void);
void ai_mem_proc_exit(void);

#endif /* AI_MEM_INTERNAL_H */
