// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/ai_mem file operations: each open file owns the allocations made
 * through it; ALLOC, FREE and INFO ioctls.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/limits.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/nodemask.h>
#include <linux/overflow.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/ai_mem.h>

#include "ai_mem_internal.h"

/*
 * Offsets are unique over all open files and never reused while the module
 * is loaded, so the mappings of one allocation can be torn down through the
 * device inode's address_space without touching anyone else's, and a stale
 * offset never names a newer allocation. One unused page between two
 * allocations keeps their offset ranges from touching. The limit keeps
 * (pgoff + n) << PAGE_SHIFT inside loff_t.
 */
#define AI_MEM_PGOFF_LIMIT	((unsigned long)(LLONG_MAX >> PAGE_SHIFT))
static atomic_long_t ai_mem_next_pgoff = ATOMIC_LONG_INIT(0);

/* All open files, for /proc/ai_memory. */
static LIST_HEAD(ai_mem_files);
static DEFINE_MUTEX(ai_mem_files_lock);

static int ai_mem_reserve_pgoff(unsigned long n, pgoff_t *pgoff)
{
	long old = atomic_long_read(&ai_mem_next_pgoff);

	do {
		if ((unsigned long)old > AI_MEM_PGOFF_LIMIT - n - 1)
			return -ENOMEM;
	} while (!atomic_long_try_cmpxchg(&ai_mem_next_pgoff, &old,
					  old + n + 1));
	*pgoff = old;
	return 0;
}

/*
 * The owner's live allocations, by offset: an rbtree rather than an xarray
 * because offsets only grow, which would make an xarray allocate and
 * RCU-free a path of nodes on nearly every ALLOC/FREE. Caller holds f->lock.
 */
struct ai_mem_buf *ai_mem_buf_find(struct ai_mem_file *f, pgoff_t pgoff)
{
	struct rb_node *n = f->bufs.rb_node;

	while (n) {
		struct ai_mem_buf *buf = rb_entry(n, struct ai_mem_buf, node);

		if (pgoff < buf->pgoff)
			n = n->rb_left;
		else if (pgoff > buf->pgoff)
			n = n->rb_right;
		else
			return buf;
	}
	return NULL;
}

static void ai_mem_buf_link(struct ai_mem_file *f, struct ai_mem_buf *buf)
{
	struct rb_node **link = &f->bufs.rb_node, *parent = NULL;

	while (*link) {
		parent = *link;
		if (buf->pgoff < rb_entry(parent, struct ai_mem_buf,
					  node)->pgoff)
			link = &parent->rb_left;
		else
			link = &parent->rb_right;
	}
	rb_link_node(&buf->node, parent, link);
	rb_insert_color(&buf->node, &f->bufs);
}

static void ai_mem_buf_destroy(struct kref *ref)
{
	kvfree(container_of(ref, struct ai_mem_buf, ref));
}

void ai_mem_buf_put(struct ai_mem_buf *buf)
{
	kref_put(&buf->ref, ai_mem_buf_destroy);
}

/*
 * Second half of a free, after the buffer left its owner's tree: tear
 * down every mapping of it (in any process: fork and fd passing share the
 * file, and with it the address_space), then give the pages back.
 */
static void ai_mem_buf_retire(struct ai_mem_file *f, struct ai_mem_buf *buf,
			      bool mapped)
{
	if (mapped)
		unmap_mapping_pages(f->mapping, buf->pgoff, buf->nr_pages, true);
	ai_mem_pool_put(buf->pages, buf->nr_pages, !mapped);
	ai_mem_buf_put(buf);
}

/* Caller holds f->lock. Returns whether @buf was ever mapped. */
static bool ai_mem_buf_kill(struct ai_mem_file *f, struct ai_mem_buf *buf)
{
	rb_erase(&buf->node, &f->bufs);
	f->nr_blocks -= buf->nr_pages;
	f->mapped_bytes -= buf->mapped_bytes;
	buf->mapped_bytes = 0;
	if (!buf->mapped_once) {
		/* No VMA has it, and none can now: it left the tree. */
		buf->dead = true;
		return false;
	}
	down_write(&buf->sem);
	buf->dead = true;
	up_write(&buf->sem);
	return true;
}

static int ai_mem_free_pgoff(struct ai_mem_file *f, pgoff_t pgoff)
{
	struct ai_mem_buf *buf;
	bool mapped;

	mutex_lock(&f->lock);
	buf = ai_mem_buf_find(f, pgoff);
	if (!buf) {
		mutex_unlock(&f->lock);
		return -EINVAL;
	}
	mapped = ai_mem_buf_kill(f, buf);
	mutex_unlock(&f->lock);

	ai_mem_buf_retire(f, buf, mapped);
	return 0;
}

static bool ai_mem_over_cap(unsigned long held, unsigned long n,
			    unsigned long cap)
{
	return cap && (n > cap || held > cap - n);
}

static long ai_mem_ioc_alloc(struct ai_mem_file *f,
			     struct ai_mem_alloc __user *uarg)
{
	unsigned long cap = (unsigned long)READ_ONCE(ai_mem_owner_max_mb) <<
			    (20 - PAGE_SHIFT);
	struct ai_mem_alloc req;
	struct ai_mem_buf *buf;
	unsigned long n;
	pgoff_t pgoff;
	bool strict;
	int nid, ret;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.reserved || (req.flags & ~AI_MEM_ALLOC_FLAGS_ALL) || !req.size)
		return -EINVAL;
	/* Larger than the whole pool: absurd; also keeps the sums small. */
	if (req.size > (u64)ai_mem_pool.total * AI_MEM_BLOCK_SIZE)
		return -EINVAL;
	n = DIV_ROUND_UP(req.size, AI_MEM_BLOCK_SIZE);

	strict = req.flags & AI_MEM_ALLOC_STRICT_NODE;
	if (req.node == AI_MEM_NODE_ANY) {
		if (strict)
			return -EINVAL;	/* strict needs a node to be strict to */
		nid = NUMA_NO_NODE;
	} else {
		if (req.node < 0 || req.node >= nr_node_ids ||
		    !node_online(req.node))
			return -EINVAL;
		nid = req.node;
	}

	/* Not zeroed: the pool fills pages[]; for 64 MiB that is 128 KiB. */
	buf = kvmalloc(struct_size(buf, pages, n), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	kref_init(&buf->ref);
	init_rwsem(&buf->sem);
	buf->dead = false;
	buf->mapped_once = false;
	buf->mapped_bytes = 0;
	buf->nr_pages = n;
	ret = ai_mem_reserve_pgoff(n, &buf->pgoff);
	if (ret)
		goto err_buf;

	/*
	 * The (possibly slow) get runs unlocked; the owner is charged after
	 * it, under the lock. The early unlocked check keeps an over-cap
	 * request from taking blocks it would have to give back.
	 */
	if (ai_mem_over_cap(READ_ONCE(f->nr_blocks), n, cap)) {
		ret = -EDQUOT;
		goto err_buf;
	}
	ret = ai_mem_pool_get(n, nid, strict, buf->pages);
	if (ret)
		goto err_buf;

	mutex_lock(&f->lock);
	if (ai_mem_over_cap(f->nr_blocks, n, cap)) {
		mutex_unlock(&f->lock);
		/* Never mapped: the blocks go back as they came, zeroed. */
		ai_mem_pool_put(buf->pages, n, true);
		ret = -EDQUOT;
		goto err_buf;
	}
	f->nr_blocks += n;
	ai_mem_buf_link(f, buf);
	/*
	 * Once f->lock is dropped another thread may FREE the buffer (offsets
	 * are sequential, hence guessable) and @buf may be gone: never touch
	 * it again, use a copy of its offset.
	 */
	pgoff = buf->pgoff;
	mutex_unlock(&f->lock);

	if (put_user((u64)pgoff << PAGE_SHIFT, &uarg->offset)) {
		/* Nobody learnt the offset; a guess may have freed it already. */
		ai_mem_free_pgoff(f, pgoff);
		return -EFAULT;
	}
	return 0;

err_buf:
	kvfree(buf);
	return ret;
}

static long ai_mem_ioc_free(struct ai_mem_file *f, u64 __user *uarg)
{
	u64 offset;

	if (get_user(offset, uarg))
		return -EFAULT;
	if (offset_in_page(offset) ||
	    (offset >> PAGE_SHIFT) > AI_MEM_PGOFF_LIMIT)
		return -EINVAL;
	return ai_mem_free_pgoff(f, offset >> PAGE_SHIFT);
}

static long ai_mem_ioc_info(struct ai_mem_file *f,
			    struct ai_mem_info __user *uarg)
{
	struct ai_mem_info info = {};
	struct ai_mem_stats st;

	ai_mem_pool_stats(&st);
	info.pool_bytes = (u64)st.total * AI_MEM_BLOCK_SIZE;
	info.block_size = AI_MEM_BLOCK_SIZE;
	info.total_blocks = st.total;
	info.free_blocks = st.free;
	info.owned_blocks = READ_ONCE(f->nr_blocks);
	info.nr_nodes = ai_mem_pool.nr_nodes;
	if (copy_to_user(uarg, &info, sizeof(info)))
		return -EFAULT;
	return 0;
}

static long ai_mem_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	struct ai_mem_file *f = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case AI_MEM_IOC_ALLOC:
		return ai_mem_ioc_alloc(f, uarg);
	case AI_MEM_IOC_FREE:
		return ai_mem_ioc_free(f, uarg);
	case AI_MEM_IOC_INFO:
		return ai_mem_ioc_info(f, uarg);
	default:
		return -ENOTTY;
	}
}

static int ai_mem_open(struct inode *inode, struct file *file)
{
	struct ai_mem_file *f;

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	mutex_init(&f->lock);
	f->bufs = RB_ROOT;
	f->mapping = file->f_mapping;
	f->pid = get_pid(task_tgid(current));
	get_task_comm(f->comm, current);
	file->private_data = f;

	mutex_lock(&ai_mem_files_lock);
	list_add_tail(&f->link, &ai_mem_files);
	mutex_unlock(&ai_mem_files_lock);
	return 0;
}

/*
 * Last reference to the file: every VMA holds one, so nothing maps our
 * blocks any more; what may remain are GUP pins, which the pool waits out.
 */
static int ai_mem_release(struct inode *inode, struct file *file)
{
	struct ai_mem_file *f = file->private_data;
	struct ai_mem_buf *buf;

	mutex_lock(&ai_mem_files_lock);
	list_del(&f->link);
	mutex_unlock(&ai_mem_files_lock);

	for (;;) {
		struct rb_node *n;
		bool mapped;

		mutex_lock(&f->lock);
		n = rb_first(&f->bufs);
		if (!n) {
			mutex_unlock(&f->lock);
			break;
		}
		buf = rb_entry(n, struct ai_mem_buf, node);
		mapped = ai_mem_buf_kill(f, buf);
		mutex_unlock(&f->lock);
		ai_mem_buf_retire(f, buf, mapped);
	}
	WARN_ON(f->nr_blocks || f->mapped_bytes);
	put_pid(f->pid);
	mutex_destroy(&f->lock);
	kfree(f);
	return 0;
}

/* One row per open file holding blocks; see docs/ai_mem.md for the format. */
void ai_mem_files_show(struct seq_file *m)
{
	struct ai_mem_file *f;

	seq_puts(m, "PID\tCOMM\tBLOCKS\tBYTES\tMAPPED_BYTES\n");
	mutex_lock(&ai_mem_files_lock);
	list_for_each_entry(f, &ai_mem_files, link) {
		unsigned long blocks = READ_ONCE(f->nr_blocks);

		if (!blocks)
			continue;
		seq_printf(m, "%d\t", pid_vnr(f->pid));
		seq_escape(m, f->comm, " \t\n\\");
		seq_printf(m, "\t%lu\t%llu\t%lu\n", blocks,
			   (u64)blocks * AI_MEM_BLOCK_SIZE,
			   READ_ONCE(f->mapped_bytes));
	}
	mutex_unlock(&ai_mem_files_lock);
}

const struct file_operations ai_mem_fops = {
	.owner		= THIS_MODULE,
	.open		= ai_mem_open,
	.release	= ai_mem_release,
	.unlocked_ioctl	= ai_mem_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= ai_mem_mmap,
	.llseek		= noop_llseek,
};
