// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/ai_mem file operations: each open file owns the allocations made
 * through it, in an mmap offset space and an address_space of its own
 * (as NVIDIA's gdrdrv gives each file its own f_mapping); ALLOC, FREE,
 * INFO, EXPORT (a dma-buf, ai_mem_dmabuf.c) and BUF_INFO ioctls with
 * size-first, extensible arguments.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/limits.h>
#include <linux/mempolicy.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/nodemask.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/ai_mem.h>

#include "ai_mem_internal.h"

/*
 * Offsets are allocated lowest-first in each file's own space and freed
 * only when nothing maps the old allocation any more, so they stay small
 * (a 32-bit process can always map them) and a stale offset never names a
 * newer allocation while a mapping of the old one exists. The limit keeps
 * (pgoff + n) << PAGE_SHIFT inside loff_t.
 */
#define AI_MEM_PGOFF_MAX	((unsigned long)(LLONG_MAX >> PAGE_SHIFT))

/* Argument sizes past one page are refused before any byte is read. */
#define AI_MEM_ARG_MAX		PAGE_SIZE

/* All open files, for /proc/ai_memory. */
static LIST_HEAD(ai_mem_files);
static DEFINE_MUTEX(ai_mem_files_lock);

/*
 * Copy a size-first argument in: @min is the size of the structure's first
 * version. A shorter one is EINVAL; a longer one must have zeroes past what
 * we know (E2BIG otherwise, from copy_struct_from_user()). Returns the
 * user's size.
 */
static int ai_mem_copy_arg(void *karg, size_t ksize, size_t min,
			   const void __user *uarg)
{
	u32 usize;
	int ret;

	if (get_user(usize, (const u32 __user *)uarg))
		return -EFAULT;
	if (usize < min)
		return -EINVAL;
	if (usize > AI_MEM_ARG_MAX)
		return -E2BIG;
	ret = copy_struct_from_user(karg, ksize, uarg, usize);
	return ret ? ret : usize;
}

/* Caller holds f->lock. A live or dead buffer starting exactly at @pgoff. */
struct ai_mem_buf *ai_mem_buf_find(struct ai_mem_file *f, pgoff_t pgoff)
{
	struct ai_mem_range *r = ai_mem_offsets_find(&f->offsets, pgoff);

	return r ? container_of(r, struct ai_mem_buf, range) : NULL;
}

/*
 * Last reference, called with owner->lock held (kref_put_mutex), which it
 * drops: nothing maps the buffer, so its offset range may be reused.
 */
static void ai_mem_buf_destroy(struct kref *ref)
{
	struct ai_mem_buf *buf = container_of(ref, struct ai_mem_buf, ref);

	ai_mem_offsets_erase(&buf->owner->offsets, &buf->range);
	mutex_unlock(&buf->owner->lock);
	kfree(buf);
}

/*
 * Never called with owner->lock held. Every caller runs where the file is
 * still alive: FREE and release hold it, a VMA holds a reference to it.
 */
void ai_mem_buf_put(struct ai_mem_buf *buf)
{
	kref_put_mutex(&buf->ref, ai_mem_buf_destroy, &buf->owner->lock);
}

/* Caller holds f->lock. Returns whether @buf was ever mapped. */
static bool ai_mem_buf_kill(struct ai_mem_file *f, struct ai_mem_buf *buf)
{
	f->nr_blocks -= buf->nr_pages;
	f->mapped_bytes -= buf->mapped_bytes;
	buf->mapped_bytes = 0;
	if (!buf->mapped_once) {
		/* No VMA has it, and none can now: it is dead. */
		buf->dead = true;
		return false;
	}
	down_write(&buf->sem);
	buf->dead = true;
	up_write(&buf->sem);
	return true;
}

/*
 * Second half of a free, after the buffer died: tear down every mapping of
 * it (in any process: fork and fd passing share the file, and with it the
 * address_space), then drop the allocation's hold on its pages (they go to
 * the pool unless a dma-buf still holds them) and the owner's reference.
 */
static void ai_mem_buf_retire(struct ai_mem_file *f, struct ai_mem_buf *buf,
			      bool mapped)
{
	struct ai_mem_blocks *blocks = buf->blocks;

	if (mapped)
		unmap_mapping_pages(f->mapping, buf->range.start, buf->nr_pages,
				    true);
	buf->blocks = NULL;
	if (mapped)
		WRITE_ONCE(blocks->written, true);
	ai_mem_blocks_put(blocks);
	ai_mem_buf_put(buf);
}

/* FREE of @buf, unless someone freed it already. Caller holds a reference. */
static int ai_mem_free_buf(struct ai_mem_file *f, struct ai_mem_buf *buf)
{
	bool mapped;

	mutex_lock(&f->lock);
	if (buf->dead) {
		mutex_unlock(&f->lock);
		return -EINVAL;
	}
	mapped = ai_mem_buf_kill(f, buf);
	mutex_unlock(&f->lock);

	ai_mem_buf_retire(f, buf, mapped);
	return 0;
}

static int ai_mem_free_pgoff(struct ai_mem_file *f, pgoff_t pgoff)
{
	struct ai_mem_buf *buf;
	int ret;

	mutex_lock(&f->lock);
	buf = ai_mem_buf_find(f, pgoff);
	if (!buf || buf->dead) {
		mutex_unlock(&f->lock);
		return -EINVAL;
	}
	kref_get(&buf->ref);
	mutex_unlock(&f->lock);

	ret = ai_mem_free_buf(f, buf);
	ai_mem_buf_put(buf);
	return ret;
}

/*
 * The nodes of the caller's memory policy (set_mempolicy, numactl
 * --membind/--preferred/--interleave) into @mask; NULL without one. The
 * task lock keeps a cpuset rebind from changing the mask as we copy it.
 */
static const nodemask_t *ai_mem_policy_nodes(nodemask_t *mask)
{
	struct mempolicy *pol;
	bool have = false;

	/* Only the task itself sets it: no policy, no lock needed. */
	if (!READ_ONCE(current->mempolicy))
		return NULL;
	task_lock(current);
	pol = current->mempolicy;
	if (pol && pol->mode != MPOL_DEFAULT && pol->mode != MPOL_LOCAL &&
	    !nodes_empty(pol->nodes)) {
		*mask = pol->nodes;
		have = true;
	}
	task_unlock(current);
	return have ? mask : NULL;
}

/*
 * ALLOC admits a request before it allocates anything for it: arguments,
 * then the pool's free blocks, then the caller's limits; only then the
 * descriptor, the blocks and, last, an offset.
 */
static long ai_mem_ioc_alloc(struct file *file, void __user *uarg)
{
	struct ai_mem_file *f = file->private_data;
	const nodemask_t *prefer = NULL;
	struct ai_mem_blocks *blocks;
	struct ai_mem_alloc req;
	struct ai_mem_user *charge;
	struct ai_mem_buf *buf;
	unsigned long n, start;
	nodemask_t mask;
	bool strict;
	int nid, ret;

	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	ret = ai_mem_copy_arg(&req, sizeof(req), sizeof(req), uarg);
	if (ret < 0)
		return ret;
	if (req.__reserved || (req.flags & ~AI_MEM_ALLOC_FLAGS_ALL) ||
	    !req.length)
		return -EINVAL;
	/* Larger than the whole pool: absurd; also keeps the sums small. */
	if (req.length > (u64)ai_mem_pool.total * AI_MEM_BLOCK_SIZE)
		return -EINVAL;
	n = DIV_ROUND_UP(req.length, AI_MEM_BLOCK_SIZE);

	strict = req.flags & AI_MEM_ALLOC_STRICT_NODE;
	if (req.node == AI_MEM_NODE_ANY) {
		if (strict)
			return -EINVAL;	/* strict needs a node to be strict to */
		nid = NUMA_NO_NODE;
		prefer = ai_mem_policy_nodes(&mask);
	} else {
		if (req.node < 0 || req.node >= nr_node_ids ||
		    !node_online(req.node))
			return -EINVAL;
		nid = req.node;
	}

	if (!ai_mem_pool_may_get(n, nid, strict))
		return -ENOMEM;
	ret = ai_mem_charge(f->opener, n, &charge);
	if (ret)
		return ret;
	ret = -ENOMEM;
	blocks = ai_mem_blocks_alloc(n);
	if (!blocks)
		goto err_charge;
	blocks->charge = charge;
	buf = kzalloc(sizeof(*buf), GFP_KERNEL_ACCOUNT);
	if (!buf)
		goto err_blocks;
	ret = ai_mem_pool_get(blocks, nid, strict, prefer);
	if (ret)
		goto err_buf;

	kref_init(&buf->ref);
	init_rwsem(&buf->sem);
	buf->owner = f;
	buf->nr_pages = n;
	buf->blocks = blocks;

	mutex_lock(&f->lock);
	ret = ai_mem_offsets_insert(&f->offsets, &buf->range, n,
				    AI_MEM_PGOFF_MAX);
	if (ret) {
		mutex_unlock(&f->lock);
		goto err_put;
	}
	start = buf->range.start;
	f->nr_blocks += n;
	/*
	 * Once f->lock is dropped another thread may FREE the buffer (it can
	 * guess the offset), and its offset may then go to a newer buffer:
	 * hold a reference until we know the offset reached the caller.
	 */
	kref_get(&buf->ref);
	mutex_unlock(&f->lock);

	if (put_user((u64)start << PAGE_SHIFT, &((struct ai_mem_alloc __user *)
						 uarg)->offset)) {
		ai_mem_free_buf(f, buf);
		ret = -EFAULT;
	}
	ai_mem_buf_put(buf);
	return ret;

err_put:
	/* Never mapped: the blocks go back as they came, zeroed. */
	ai_mem_pool_put(blocks, true);
	kfree(buf);
	return ret;
err_buf:
	kfree(buf);
err_blocks:
	ai_mem_blocks_free(blocks);
err_charge:
	ai_mem_uncharge(charge, n);
	return ret;
}

static long ai_mem_ioc_free(struct file *file, void __user *uarg)
{
	struct ai_mem_file *f = file->private_data;
	struct ai_mem_free req;
	int ret;

	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	ret = ai_mem_copy_arg(&req, sizeof(req), sizeof(req), uarg);
	if (ret < 0)
		return ret;
	if (req.flags || offset_in_page(req.offset) ||
	    (req.offset >> PAGE_SHIFT) > AI_MEM_PGOFF_MAX)
		return -EINVAL;
	return ai_mem_free_pgoff(f, req.offset >> PAGE_SHIFT);
}

static long ai_mem_ioc_info(struct file *file, void __user *uarg)
{
	struct ai_mem_file *f = file->private_data;
	struct ai_mem_pool *pool = &ai_mem_pool;
	unsigned long user_blocks, limit;
	struct ai_mem_info info;
	int usize;

	usize = ai_mem_copy_arg(&info, sizeof(info), sizeof(info), uarg);
	if (usize < 0)
		return usize;
	if (info.flags)
		return -EINVAL;

	ai_mem_charge_query(f->opener, &user_blocks, &limit);
	memset(&info, 0, sizeof(info));
	info.size = min_t(u32, usize, sizeof(info));
	info.pool_bytes = (u64)pool->total * AI_MEM_BLOCK_SIZE;
	info.block_size = AI_MEM_BLOCK_SIZE;
	info.total_blocks = pool->total;
	info.free_blocks = READ_ONCE(pool->nr_free);
	info.pending_blocks = READ_ONCE(pool->nr_pending);
	info.file_blocks = READ_ONCE(f->nr_blocks);
	info.user_blocks = user_blocks;
	info.limit_blocks = limit == ULONG_MAX ? AI_MEM_NO_LIMIT : limit;
	info.nr_nodes = pool->nr_nodes;
	if (copy_to_user(uarg, &info, info.size))
		return -EFAULT;
	return 0;
}

/*
 * Caller holds f->lock. The live buffer at byte offset @offset, or NULL
 * (never allocated, freed, or not an allocation's offset).
 */
static struct ai_mem_buf *ai_mem_buf_live(struct ai_mem_file *f, u64 offset)
{
	struct ai_mem_buf *buf;

	if (offset_in_page(offset) || (offset >> PAGE_SHIFT) > AI_MEM_PGOFF_MAX)
		return NULL;
	buf = ai_mem_buf_find(f, offset >> PAGE_SHIFT);
	return buf && !buf->dead ? buf : NULL;
}

/*
 * EXPORT: a dma-buf of a range of a live allocation. The dma-buf takes a
 * hold on the blocks (under f->lock, while the buffer is known alive), so
 * a racing FREE only drops the allocation's own hold.
 */
static long ai_mem_ioc_export(struct file *file, void __user *uarg)
{
	struct ai_mem_export __user *ureq = uarg;
	struct ai_mem_file *f = file->private_data;
	unsigned long first, nr, segs;
	struct ai_mem_blocks *blocks;
	struct ai_mem_export req;
	struct ai_mem_buf *buf;
	int ret;

	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	ret = ai_mem_copy_arg(&req, sizeof(req), sizeof(req), uarg);
	if (ret < 0)
		return ret;
	if ((req.flags & ~AI_MEM_EXPORT_FLAGS_ALL) || offset_in_page(req.start) ||
	    offset_in_page(req.length))
		return -EINVAL;

	mutex_lock(&f->lock);
	buf = ai_mem_buf_live(f, req.offset);
	if (!buf || req.start >= (u64)buf->nr_pages << PAGE_SHIFT ||
	    req.length > ((u64)buf->nr_pages << PAGE_SHIFT) - req.start) {
		mutex_unlock(&f->lock);
		return -EINVAL;
	}
	first = req.start >> PAGE_SHIFT;
	nr = req.length ? req.length >> PAGE_SHIFT : buf->nr_pages - first;
	blocks = buf->blocks;
	refcount_inc(&blocks->users);
	mutex_unlock(&f->lock);

	segs = ai_mem_blocks_segments(blocks, first, nr);
	ret = -EFAULT;
	if (put_user((u32)segs, &ureq->nr_segments))
		goto err;
	ret = ai_mem_dmabuf_export(blocks, first, nr, req.flags, &ureq->fd);
	if (ret)
		goto err;
	return 0;

err:
	ai_mem_blocks_put(blocks);
	return ret;
}

static long ai_mem_ioc_buf_info(struct file *file, void __user *uarg)
{
	struct ai_mem_file *f = file->private_data;
	struct ai_mem_blocks *blocks;
	struct ai_mem_buf_info info;
	struct ai_mem_buf *buf;
	int usize;
	u64 offset;

	usize = ai_mem_copy_arg(&info, sizeof(info), sizeof(info), uarg);
	if (usize < 0)
		return usize;
	if (info.flags)
		return -EINVAL;
	offset = info.offset;

	mutex_lock(&f->lock);
	buf = ai_mem_buf_live(f, offset);
	if (!buf) {
		mutex_unlock(&f->lock);
		return -EINVAL;
	}
	blocks = buf->blocks;
	refcount_inc(&blocks->users);
	mutex_unlock(&f->lock);

	/* Counted with no lock held: the pages cannot change while held. */
	memset(&info, 0, sizeof(info));
	info.length = (u64)blocks->nr << PAGE_SHIFT;
	info.nr_segments = ai_mem_blocks_segments(blocks, 0, blocks->nr);
	info.nr_exports = atomic_read(&blocks->exports);
	ai_mem_blocks_put(blocks);

	info.size = min_t(u32, usize, sizeof(info));
	info.offset = offset;
	if (copy_to_user(uarg, &info, info.size))
		return -EFAULT;
	return 0;
}

static long ai_mem_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case AI_MEM_IOC_ALLOC:
		return ai_mem_ioc_alloc(file, uarg);
	case AI_MEM_IOC_FREE:
		return ai_mem_ioc_free(file, uarg);
	case AI_MEM_IOC_INFO:
		return ai_mem_ioc_info(file, uarg);
	case AI_MEM_IOC_EXPORT:
		return ai_mem_ioc_export(file, uarg);
	case AI_MEM_IOC_BUF_INFO:
		return ai_mem_ioc_buf_info(file, uarg);
	default:
		return -ENOTTY;
	}
}

static int ai_mem_open(struct inode *inode, struct file *file)
{
	struct ai_mem_file *f;

	f = kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);
	if (!f)
		return -ENOMEM;
	f->mapping = kzalloc(sizeof(*f->mapping), GFP_KERNEL_ACCOUNT);
	if (!f->mapping)
		goto err_f;
	f->opener = ai_mem_user_get();
	if (!f->opener)
		goto err_mapping;
	/* Our VMAs link here, not into the device inode's shared mapping. */
	address_space_init_once(f->mapping);
	f->mapping->host = inode;
	f->mapping->a_ops = inode->i_mapping->a_ops;
	file->f_mapping = f->mapping;

	mutex_init(&f->lock);
	f->offsets = RB_ROOT;
	f->pid = get_pid(task_tgid(current));
	f->uid = current_uid();
	get_task_comm(f->comm, current);
	file->private_data = f;

	mutex_lock(&ai_mem_files_lock);
	list_add_tail(&f->link, &ai_mem_files);
	mutex_unlock(&ai_mem_files_lock);
	return 0;

err_mapping:
	kfree(f->mapping);
err_f:
	kfree(f);
	return -ENOMEM;
}

/*
 * Last reference to the file: every VMA holds one, so nothing maps our
 * blocks any more and every buffer in the tree is live; what may remain
 * are long-term pins, which the pool waits out.
 */
static int ai_mem_release(struct inode *inode, struct file *file)
{
	struct ai_mem_file *f = file->private_data;
	struct ai_mem_buf *buf;
	struct rb_node *n;

	mutex_lock(&ai_mem_files_lock);
	list_del(&f->link);
	mutex_unlock(&ai_mem_files_lock);

	for (;;) {
		bool mapped;

		mutex_lock(&f->lock);
		n = rb_first(&f->offsets);
		if (!n) {
			mutex_unlock(&f->lock);
			break;
		}
		buf = rb_entry(n, struct ai_mem_buf, range.rb);
		/* Only VMAs (gone now) can keep a dead buffer in the tree. */
		if (WARN_ON_ONCE(buf->dead)) {
			mutex_unlock(&f->lock);
			break;
		}
		mapped = ai_mem_buf_kill(f, buf);
		mutex_unlock(&f->lock);
		ai_mem_buf_retire(f, buf, mapped);
		cond_resched();
	}
	WARN_ON(f->nr_blocks || f->mapped_bytes);
	ai_mem_user_put(f->opener);
	put_pid(f->pid);
	mutex_destroy(&f->lock);
	kfree(f->mapping);
	kfree(f);
	return 0;
}

/*
 * One row per open file holding blocks; see docs/ai_mem.md for the format.
 * @all: every file's row, else only those opened by @self. PIDs are those
 * of @ns (the procfs instance's); a file whose opener is not visible there
 * is left out, and one whose opener has exited shows PID 0 (its number may
 * belong to someone else by now).
 */
void ai_mem_files_show(struct seq_file *m, bool all, kuid_t self,
		       struct pid_namespace *ns)
{
	struct ai_mem_file *f;

	seq_puts(m, "PID\tCOMM\tBLOCKS\tBYTES\tMAPPED_BYTES\n");
	mutex_lock(&ai_mem_files_lock);
	list_for_each_entry(f, &ai_mem_files, link) {
		unsigned long blocks = READ_ONCE(f->nr_blocks);
		pid_t nr = pid_nr_ns(f->pid, ns);

		if (!blocks || !nr || (!all && !uid_eq(f->uid, self)))
			continue;
		/* The opener is gone (fd passed on, or a child holds it). */
		if (!pid_has_task(f->pid, PIDTYPE_TGID))
			nr = 0;
		seq_printf(m, "%d\t", nr);
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
