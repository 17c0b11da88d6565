// SPDX-License-Identifier: GPL-2.0
/*
 * ai_mem allocations as dma-bufs: AI_MEM_IOC_EXPORT turns a range of a live
 * allocation into a dma-buf fd that RDMA (ibv_reg_dmabuf_mr), DRM (PRIME),
 * V4L2 and other importers take. The dma-buf holds the allocation's blocks
 * (ai_mem_blocks.users), not the allocation or its file: FREE and close
 * drop the allocation's hold, and the blocks go back to the pool, still
 * charged to their user until then, only when the last dma-buf reference
 * (fd, CPU mapping, importer) is gone. dma_buf_export() takes a module
 * reference for each dma-buf, so the module stays loaded meanwhile.
 *
 * The scatterlist merges physically contiguous blocks into one segment, so
 * an allocation made of whole 2 MiB runs (ai_mem_pool.c) maps to a segment
 * per run or fewer. CPU mappings of the fd are faulted in a window at a
 * time, as those of /dev/ai_mem are (ai_mem_vma.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/ai_mem.h>

#include "ai_mem_internal.h"

/* The bare form: 6.1 and 6.12 (6.13 on takes a string). */
MODULE_IMPORT_NS(DMA_BUF);

/*
 * One dma-buf: pages [@first, @first + @nr) of @blocks. @lock protects
 * @attachments (their ->append is set and cleared under it too), so that
 * begin/end_cpu_access sync exactly the mappings that exist.
 */
struct ai_mem_dmabuf {
	struct ai_mem_blocks *blocks;
	unsigned long first;
	unsigned long nr;
	struct mutex lock;
	struct list_head attachments;
};

/* One importer's attachment; its mapping while it has one. */
struct ai_mem_dmabuf_att {
	struct list_head link;
	struct device *dev;
	struct sg_append_table *append;	/* NULL: not mapped */
	enum dma_data_direction dir;
};

/* Live dma-bufs and the blocks they hold, for /proc/ai_memory. */
static atomic_long_t ai_mem_exported_bufs;
static atomic_long_t ai_mem_exported_blocks;

void ai_mem_dmabuf_show(struct seq_file *m)
{
	seq_printf(m, "Exported Buffers: %ld\n",
		   atomic_long_read(&ai_mem_exported_bufs));
	seq_printf(m, "Exported Blocks: %ld\n",
		   atomic_long_read(&ai_mem_exported_blocks));
}

static int ai_mem_dmabuf_attach(struct dma_buf *dmabuf,
				struct dma_buf_attachment *attach)
{
	struct ai_mem_dmabuf *db = dmabuf->priv;
	struct ai_mem_dmabuf_att *att;

	att = kzalloc(sizeof(*att), GFP_KERNEL_ACCOUNT);
	if (!att)
		return -ENOMEM;
	att->dev = attach->dev;
	attach->priv = att;
	mutex_lock(&db->lock);
	list_add(&att->link, &db->attachments);
	mutex_unlock(&db->lock);
	return 0;
}

static void ai_mem_dmabuf_detach(struct dma_buf *dmabuf,
				 struct dma_buf_attachment *attach)
{
	struct ai_mem_dmabuf *db = dmabuf->priv;
	struct ai_mem_dmabuf_att *att = attach->priv;

	mutex_lock(&db->lock);
	list_del(&att->link);
	mutex_unlock(&db->lock);
	kfree(att);
}

/*
 * The pages in one scatterlist, a descriptor chunk at a time:
 * sg_alloc_append_table_from_pages() merges a chunk's first page into the
 * previous segment when they are contiguous, so runs that cross a chunk
 * stay one segment. No segment grows past what the device takes in one
 * (its max_seg_size: 64 KiB unless its driver says more) or may map at
 * once (swiotlb's limit, where it bounces). left_pages must bound the
 * entries still to come (the pages left do): sg_free_append_table() takes
 * every chunk but the last to be a full SG_MAX_SINGLE_ALLOC, and a smaller
 * estimate chains short chunks that it then leaks (kmemleak caught it).
 * The table is freed as the append table it was built as.
 */
static int ai_mem_dmabuf_sgt(struct ai_mem_dmabuf *db, struct device *dev,
			     struct sg_append_table *append)
{
	unsigned int max_seg = min3(dma_max_mapping_size(dev),
				    (size_t)dma_get_max_seg_size(dev),
				    (size_t)UINT_MAX) & PAGE_MASK;
	unsigned long i = 0, n;
	int ret;

	if (!max_seg)
		max_seg = PAGE_SIZE;
	while (i < db->nr) {
		unsigned long at = db->first + i;

		n = min(db->nr - i, AI_MEM_CHUNK - at % AI_MEM_CHUNK);
		ret = sg_alloc_append_table_from_pages(append,
				ai_mem_blocks_slot(db->blocks, at), n, 0,
				n << PAGE_SHIFT, max_seg, db->nr - i - n,
				GFP_KERNEL_ACCOUNT);
		if (ret) {
			sg_free_append_table(append);
			return ret;
		}
		i += n;
		cond_resched();
	}
	return 0;
}

static struct sg_table *ai_mem_dmabuf_map(struct dma_buf_attachment *attach,
					  enum dma_data_direction dir)
{
	struct ai_mem_dmabuf *db = attach->dmabuf->priv;
	struct ai_mem_dmabuf_att *att = attach->priv;
	struct sg_append_table *append;
	int ret;

	append = kzalloc(sizeof(*append), GFP_KERNEL_ACCOUNT);
	if (!append)
		return ERR_PTR(-ENOMEM);
	ret = ai_mem_dmabuf_sgt(db, attach->dev, append);
	if (ret)
		goto err;
	ret = dma_map_sgtable(attach->dev, &append->sgt, dir, 0);
	if (ret) {
		sg_free_append_table(append);
		goto err;
	}
	mutex_lock(&db->lock);
	att->append = append;
	att->dir = dir;
	mutex_unlock(&db->lock);
	return &append->sgt;

err:
	kfree(append);
	return ERR_PTR(ret);
}

static void ai_mem_dmabuf_unmap(struct dma_buf_attachment *attach,
				struct sg_table *sgt,
				enum dma_data_direction dir)
{
	struct ai_mem_dmabuf *db = attach->dmabuf->priv;
	struct ai_mem_dmabuf_att *att = attach->priv;
	struct sg_append_table *append;

	append = container_of(sgt, struct sg_append_table, sgt);
	mutex_lock(&db->lock);
	att->append = NULL;
	mutex_unlock(&db->lock);
	dma_unmap_sgtable(attach->dev, sgt, dir, 0);
	sg_free_append_table(append);
	kfree(append);
}

/* Last reference: the blocks lose this holder. */
static void ai_mem_dmabuf_release(struct dma_buf *dmabuf)
{
	struct ai_mem_dmabuf *db = dmabuf->priv;

	atomic_long_dec(&ai_mem_exported_bufs);
	atomic_long_sub(db->nr, &ai_mem_exported_blocks);
	atomic_dec(&db->blocks->exports);
	ai_mem_blocks_put(db->blocks);
	mutex_destroy(&db->lock);
	kfree(db);
}

/*
 * DMA_BUF_IOCTL_SYNC (after the core waited for the importers' fences):
 * make the importers' mappings coherent for the CPU, or the CPU's writes
 * visible to them. A no-op on cache-coherent x86 without bouncing; not
 * with swiotlb or an IOMMU that bounces.
 */
static void ai_mem_dmabuf_sync(struct dma_buf *dmabuf, bool for_cpu)
{
	struct ai_mem_dmabuf *db = dmabuf->priv;
	struct ai_mem_dmabuf_att *att;

	mutex_lock(&db->lock);
	list_for_each_entry(att, &db->attachments, link) {
		if (!att->append)
			continue;
		if (for_cpu)
			dma_sync_sgtable_for_cpu(att->dev, &att->append->sgt,
						 att->dir);
		else
			dma_sync_sgtable_for_device(att->dev,
						    &att->append->sgt,
						    att->dir);
	}
	mutex_unlock(&db->lock);
}

static int ai_mem_dmabuf_begin_cpu(struct dma_buf *dmabuf,
				   enum dma_data_direction dir)
{
	ai_mem_dmabuf_sync(dmabuf, true);
	return 0;
}

static int ai_mem_dmabuf_end_cpu(struct dma_buf *dmabuf,
				 enum dma_data_direction dir)
{
	ai_mem_dmabuf_sync(dmabuf, false);
	return 0;
}

/*
 * Each fault maps one window of the VMA; the blocks cannot go away under
 * it (the VMA holds the dma-buf's file, which holds them).
 */
static vm_fault_t ai_mem_dmabuf_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct ai_mem_dmabuf *db = vma->vm_private_data;

	return ai_mem_map_window(vma, vmf->address, db->blocks,
				 db->first + vma->vm_pgoff);
}

/* See ai_mem_vm_map_pages(): present for 6.12's per-VMA-lock faults. */
static vm_fault_t ai_mem_dmabuf_map_pages(struct vm_fault *vmf,
					  pgoff_t start_pgoff,
					  pgoff_t end_pgoff)
{
	return 0;
}

static const struct vm_operations_struct ai_mem_dmabuf_vm_ops = {
	.fault		= ai_mem_dmabuf_fault,
	.map_pages	= ai_mem_dmabuf_map_pages,
};

/*
 * mmap() of the fd, or an importer's dma_buf_mmap(): the core has checked
 * the range against the buffer's size. Shared and never executable, as
 * /dev/ai_mem's own mappings; a read-only export is never mapped for
 * writing, whoever asks.
 */
static int ai_mem_dmabuf_mmap(struct dma_buf *dmabuf,
			      struct vm_area_struct *vma)
{
	vm_flags_t clear = VM_MAYEXEC | VM_PFNMAP | VM_IO;

	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	/*
	 * mmap() of a read-only fd is refused by the core, but an importer's
	 * dma_buf_mmap() brings a VMA whose rights were checked against its
	 * own file: hold it to ours.
	 */
	if (!(dmabuf->file->f_mode & FMODE_WRITE)) {
		if (vma->vm_flags & VM_WRITE)
			return -EACCES;
		clear |= VM_MAYWRITE;
	}
	/*
	 * Ordinary pages, inserted by the fault handler: an importer's VMA
	 * handed on by dma_buf_mmap() may come marked for PFN mapping.
	 */
	ai_mem_vma_mod_flags(vma, VM_MIXEDMAP | VM_DONTEXPAND | VM_DONTDUMP,
			     clear);
	vma->vm_ops = &ai_mem_dmabuf_vm_ops;
	vma->vm_private_data = dmabuf->priv;
	return 0;
}

/*
 * cache_sgt_mapping: one mapping per attachment, kept by the core until
 * detach, so that each attachment has exactly the one scatterlist that
 * begin/end_cpu_access sync.
 */
static const struct dma_buf_ops ai_mem_dmabuf_ops = {
	.cache_sgt_mapping	= true,
	.attach			= ai_mem_dmabuf_attach,
	.detach			= ai_mem_dmabuf_detach,
	.map_dma_buf		= ai_mem_dmabuf_map,
	.unmap_dma_buf		= ai_mem_dmabuf_unmap,
	.release		= ai_mem_dmabuf_release,
	.begin_cpu_access	= ai_mem_dmabuf_begin_cpu,
	.end_cpu_access		= ai_mem_dmabuf_end_cpu,
	.mmap			= ai_mem_dmabuf_mmap,
};

/*
 * Export pages [@first, @first + @nr) of @blocks, on which the caller
 * holds a reference that becomes the dma-buf's on success. The fd is
 * installed only once its number reached user space at @ufd, so a fault
 * there leaves nothing behind. Returns 0 or an errno; the caller drops its
 * reference on failure.
 */
int ai_mem_dmabuf_export(struct ai_mem_blocks *blocks, unsigned long first,
			 unsigned long nr, u32 flags, s32 __user *ufd)
{
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct ai_mem_dmabuf *db;
	struct dma_buf *dmabuf;
	int fd, ret;

	db = kzalloc(sizeof(*db), GFP_KERNEL_ACCOUNT);
	if (!db)
		return -ENOMEM;
	db->blocks = blocks;
	db->first = first;
	db->nr = nr;
	mutex_init(&db->lock);
	INIT_LIST_HEAD(&db->attachments);

	fd = get_unused_fd_flags(flags & AI_MEM_EXPORT_CLOEXEC ? O_CLOEXEC : 0);
	if (fd < 0) {
		ret = fd;
		goto err_db;
	}
	if (put_user(fd, ufd)) {
		ret = -EFAULT;
		goto err_fd;
	}

	exp_info.ops = &ai_mem_dmabuf_ops;
	exp_info.size = nr << PAGE_SHIFT;
	exp_info.flags = flags & AI_MEM_EXPORT_RDWR ? O_RDWR : O_RDONLY;
	exp_info.priv = db;
	dmabuf = dma_buf_export(&exp_info);
	if (IS_ERR(dmabuf)) {
		ret = PTR_ERR(dmabuf);
		goto err_fd;
	}
	/* From here on, release() undoes everything. */
	WRITE_ONCE(blocks->written, true);
	atomic_inc(&blocks->exports);
	atomic_long_inc(&ai_mem_exported_bufs);
	atomic_long_add(nr, &ai_mem_exported_blocks);
	fd_install(fd, dmabuf->file);
	return 0;

err_fd:
	put_unused_fd(fd);
err_db:
	mutex_destroy(&db->lock);
	kfree(db);
	return ret;
}
