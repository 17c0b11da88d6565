// SPDX-License-Identifier: GPL-2.0
/*
 * Mapping allocations into user space. The pages are ordinary pages mapped
 * with vm_insert_pages(), so get_user_pages() works on them (O_DIRECT,
 * io_uring fixed buffers, RDMA memory registration, cudaHostRegister).
 *
 * They are inserted by faults, never in ->mmap: a VMA is linked into the
 * file's address_space only after ->mmap returns, and FREE can reach (and
 * tear down) only linked VMAs; a fault, by contrast, runs on a linked VMA
 * and checks under buf->sem that the buffer is still alive. Each fault maps
 * one aligned window of AI_MEM_FAULT_WINDOW pages around the faulting
 * address, so no fault does work that grows with the buffer, and a process
 * touching (or MAP_POPULATE-ing) a huge buffer can be killed between two
 * windows. The mappings of a dma-buf fd (ai_mem_dmabuf.c) fault the same
 * windows.
 */
#include <linux/mm.h>

#include "ai_mem_internal.h"

/* 2 MiB: one descriptor chunk, so one window is one contiguous array. */
#define AI_MEM_FAULT_WINDOW	AI_MEM_CHUNK

static void ai_mem_vma_account(struct vm_area_struct *vma, bool add)
{
	struct ai_mem_file *f = vma->vm_file->private_data;
	struct ai_mem_buf *buf = vma->vm_private_data;
	unsigned long size = vma->vm_end - vma->vm_start;

	mutex_lock(&f->lock);
	if (!buf->dead) {
		if (add) {
			buf->mapped_bytes += size;
			f->mapped_bytes += size;
		} else {
			buf->mapped_bytes -= size;
			f->mapped_bytes -= size;
		}
	}
	mutex_unlock(&f->lock);
}

/* A copy of the VMA: fork, or mremap moving it. */
static void ai_mem_vm_open(struct vm_area_struct *vma)
{
	struct ai_mem_buf *buf = vma->vm_private_data;

	kref_get(&buf->ref);
	ai_mem_vma_account(vma, true);
}

static void ai_mem_vm_close(struct vm_area_struct *vma)
{
	ai_mem_vma_account(vma, false);
	ai_mem_buf_put(vma->vm_private_data);
}

/*
 * A mapping covers a whole allocation or its head and is never split
 * (partial munmap, mprotect or mremap of a part fail with EINVAL): this keeps
 * the mapped-bytes accounting exact and the fault handler trivial.
 */
static int ai_mem_vm_may_split(struct vm_area_struct *vma, unsigned long addr)
{
	return -EINVAL;
}

/*
 * Map the window of @vma around @address: the pages of @b from slot @base
 * on back the VMA, and a window is the part of one descriptor chunk that
 * the VMA covers (at most AI_MEM_FAULT_WINDOW pages, one contiguous array
 * of pointers). A page already mapped (a racing fault, MADV_DONTNEED) is
 * skipped.
 */
vm_fault_t ai_mem_map_window(struct vm_area_struct *vma, unsigned long address,
			     struct ai_mem_blocks *b, unsigned long base)
{
	unsigned long slot = base + ((address - vma->vm_start) >> PAGE_SHIFT);
	unsigned long first = max(round_down(slot, AI_MEM_FAULT_WINDOW), base);
	unsigned long end = min(round_down(slot, AI_MEM_FAULT_WINDOW) +
				AI_MEM_FAULT_WINDOW, base + vma_pages(vma));
	unsigned long nr = end - first, done = 0, left;
	struct page **pages = ai_mem_blocks_slot(b, first);
	unsigned long start = vma->vm_start + (first - base) * PAGE_SIZE;
	int err;

	while (done < nr) {
		left = nr - done;
		err = vm_insert_pages(vma, start + done * PAGE_SIZE,
				      pages + done, &left);
		done = nr - left;
		if (!err)
			break;
		if (err != -EBUSY)
			return vmf_error(err);
		done++;
	}
	return VM_FAULT_NOPAGE;
}

static vm_fault_t ai_mem_vm_fault(struct vm_fault *vmf)
{
	struct ai_mem_buf *buf = vmf->vma->vm_private_data;
	vm_fault_t ret = VM_FAULT_SIGBUS;

	down_read(&buf->sem);
	if (!buf->dead)
		ret = ai_mem_map_window(vmf->vma, vmf->address, buf->blocks, 0);
	up_read(&buf->sem);
	return ret;
}

/*
 * Fault-around finds nothing to do (the window ->fault maps is the
 * around), but its presence is what lets 6.12 run our ->fault under the
 * per-VMA lock instead of retrying it under mmap_lock
 * (vmf_can_call_fault()). It runs under RCU and may not sleep, so it does
 * not take buf->sem to map anything itself.
 */
static vm_fault_t ai_mem_vm_map_pages(struct vm_fault *vmf,
				      pgoff_t start_pgoff, pgoff_t end_pgoff)
{
	return 0;
}

static const struct vm_operations_struct ai_mem_vm_ops = {
	.open		= ai_mem_vm_open,
	.close		= ai_mem_vm_close,
	.may_split	= ai_mem_vm_may_split,
	.fault		= ai_mem_vm_fault,
	.map_pages	= ai_mem_vm_map_pages,
};

/* Set while ->mmap holds mmap_lock for writing, as both APIs require. */
void ai_mem_vma_mod_flags(struct vm_area_struct *vma, vm_flags_t set,
			  vm_flags_t clear)
{
#ifdef AI_MEM_HAVE_VM_FLAGS_SET
	vm_flags_mod(vma, set, clear);
#else
	vma->vm_flags = (vma->vm_flags | set) & ~clear;
#endif
}

/*
 * mmap(fd, offset): MAP_SHARED only, offset exactly as ALLOC returned it on
 * this file, length up to the allocation's size; anything else -EINVAL.
 * Never executable: PROT_EXEC is -EPERM (as on a noexec mount), and
 * VM_MAYEXEC is cleared so a later mprotect(PROT_EXEC) fails (EACCES).
 */
int ai_mem_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct ai_mem_file *f = file->private_data;
	unsigned long size = vma->vm_end - vma->vm_start;
	struct ai_mem_buf *buf;

	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;

	mutex_lock(&f->lock);
	buf = ai_mem_buf_find(f, vma->vm_pgoff);
	if (!buf || buf->dead || vma_pages(vma) > buf->nr_pages) {
		mutex_unlock(&f->lock);
		return -EINVAL;
	}
	kref_get(&buf->ref);
	buf->mapped_once = true;
	buf->mapped_bytes += size;
	f->mapped_bytes += size;
	mutex_unlock(&f->lock);

	/*
	 * VM_MIXEDMAP lets the fault handler insert pages under the read
	 * lock; VM_DONTEXPAND forbids growing it with mremap.
	 */
	ai_mem_vma_mod_flags(vma, VM_MIXEDMAP | VM_DONTEXPAND | VM_DONTDUMP,
			     VM_MAYEXEC);
	vma->vm_ops = &ai_mem_vm_ops;
	vma->vm_private_data = buf;
	return 0;
}
