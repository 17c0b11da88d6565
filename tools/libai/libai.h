/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * libai - pinned buffers from /dev/ai_mem for inference applications.
 *
 * Every function is thread-safe. Failures return NULL (or -1) and set errno:
 * the errno values of the ai_mem ioctls (docs/ai_mem.md), or those of
 * open(2) on /dev/ai_mem (EACCES: not in the device's group).
 *
 * The buffers belong to one descriptor of /dev/ai_mem that the library
 * opens on first use (close-on-exec). After fork() the child shares them
 * with the parent: freeing a buffer in either process frees it for both.
 */
#ifndef LIBAI_H
#define LIBAI_H

#include <stddef.h>
#include <linux/ai_mem.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A zeroed buffer of at least @size bytes, page-aligned, pinned (never
 * swapped or migrated), mapped read-write and already faulted in: DMA and
 * get_user_pages() users (cudaHostRegister, O_DIRECT, io_uring) can use it
 * at once. Blocks come from the caller's NUMA node first.
 */
void *ai_alloc_pinned(size_t size);

/*
 * As ai_alloc_pinned(), from NUMA node @node (AI_MEM_NODE_ANY: the
 * caller's node first). @flags: AI_MEM_ALLOC_STRICT_NODE fails with ENOMEM
 * rather than fall back to another node.
 */
void *ai_alloc_pinned_node(size_t size, int node, unsigned int flags);

/*
 * Give a buffer back. NULL is ignored; a pointer that ai_alloc_pinned*()
 * did not return is ignored too, with errno set to EINVAL.
 */
void ai_free_pinned(void *addr);

/* Pool statistics (AI_MEM_IOC_INFO on the library's descriptor). 0 or -1. */
int ai_mem_stats(struct ai_mem_info *info);

/*
 * A dma-buf file descriptor for bytes [@offset, @offset + @len) of a buffer
 * from ai_alloc_pinned*() (@len 0: up to its end; both multiples of the
 * page size), for drivers that import dma-bufs: RDMA (ibv_reg_dmabuf_mr),
 * DRM (PRIME), V4L2. @flags: AI_MEM_EXPORT_RDWR (writable mappings of the
 * fd), AI_MEM_EXPORT_CLOEXEC. The dma-buf keeps the memory alive, charged
 * to its user, after ai_free_pinned() and after this process exits, while
 * anyone holds it: all of the buffer's memory, even for a range. Returns the fd, or -1 with errno (EINVAL: @addr is not
 * such a buffer's start, or the range is not inside it).
 */
int ai_export_dmabuf(void *addr, size_t offset, size_t len, unsigned int flags);

#ifdef __cplusplus
}
#endif

#endif /* LIBAI_H */
