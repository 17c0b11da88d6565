/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ai_mem: a pool of pinned memory handed out in 4 KiB blocks through
 * /dev/ai_mem and mapped into the caller's address space for zero-copy DMA.
 *
 * Every argument structure starts with its own size (__u32 size, then
 * __u32 flags), as iommufd and liveupdate do: a program built against an
 * older header passes a smaller size and keeps working; one built against a
 * newer header may pass a larger size as long as the fields this kernel does
 * not know are zero (otherwise E2BIG). A size smaller than the first version
 * of a structure gives EINVAL. The ioctl numbers carry no size for that
 * reason. Layouts are the same on every architecture (fixed-width fields,
 * natural alignment, explicit padding); reserved fields must be zero.
 *
 * Each open file of /dev/ai_mem has its own mmap offset space: offsets are
 * small, reused once nothing maps a freed allocation, and say nothing about
 * any other file.
 */
#ifndef _UAPI_LINUX_AI_MEM_H
#define _UAPI_LINUX_AI_MEM_H

#include <linux/ioctl.h>
#include <linux/types.h>

/*
 * Free in Documentation/userspace-api/ioctl/ioctl-number.rst as checked in
 * the mainline table that assigns 0xBA to liveupdate.h (first in Linux 6.19),
 * and in those of 6.1 and 6.12.
 */
#define AI_MEM_IOC_MAGIC		0xBB

#define AI_MEM_NODE_ANY			(-1)

/* Serve only from the requested node; never fall back to another one. */
#define AI_MEM_ALLOC_STRICT_NODE	(1u << 0)
#define AI_MEM_ALLOC_FLAGS_ALL		(AI_MEM_ALLOC_STRICT_NODE)

/**
 * struct ai_mem_alloc - argument of AI_MEM_IOC_ALLOC
 * @size:       in: sizeof(struct ai_mem_alloc)
 * @flags:      in: AI_MEM_ALLOC_* only
 * @length:     in: bytes, > 0; rounded up to whole blocks
 * @node:       in: NUMA node, or AI_MEM_NODE_ANY (the caller's memory
 *              policy, then its own node, then the nearest others)
 * @__reserved: in: 0
 * @offset:     out: the mmap() offset that names this allocation in the
 *              file the ioctl was made on
 */
struct ai_mem_alloc {
	__u32 size;
	__u32 flags;
	__u64 length;
	__s32 node;
	__u32 __reserved;
	__u64 offset;
};

/**
 * struct ai_mem_free - argument of AI_MEM_IOC_FREE
 * @size:   in: sizeof(struct ai_mem_free)
 * @flags:  in: 0
 * @offset: in: the offset AI_MEM_IOC_ALLOC returned on this file
 */
struct ai_mem_free {
	__u32 size;
	__u32 flags;
	__u64 offset;
};

#define AI_MEM_NO_LIMIT			(~(__u64)0)

/**
 * struct ai_mem_info - argument of AI_MEM_IOC_INFO
 * @size:           in: sizeof(struct ai_mem_info); out: bytes written
 * @flags:          in: 0
 * @pool_bytes:     size of the whole pool
 * @block_size:     bytes per block
 * @total_blocks:   blocks in the pool
 * @free_blocks:    blocks not held by anyone
 * @pending_blocks: blocks freed by their owner but still referenced by
 *                  someone (a pipe, a long-term pin), all owners together
 * @file_blocks:    blocks held through the open file the ioctl was made on
 * @user_blocks:    blocks charged to the caller's user (all its files,
 *                  pending ones included)
 * @limit_blocks:   most blocks the caller's user may hold now, from
 *                  RLIMIT_MEMLOCK (unless CAP_IPC_LOCK) and the module's
 *                  user_max_mb; AI_MEM_NO_LIMIT if neither applies
 * @nr_nodes:       NUMA nodes the pool is spread over
 * @__reserved:     0
 */
struct ai_mem_info {
	__u32 size;
	__u32 flags;
	__u64 pool_bytes;
	__u64 block_size;
	__u64 total_blocks;
	__u64 free_blocks;
	__u64 pending_blocks;
	__u64 file_blocks;
	__u64 user_blocks;
	__u64 limit_blocks;
	__u32 nr_nodes;
	__u32 __reserved;
};

/* The new fd is close-on-exec. */
#define AI_MEM_EXPORT_CLOEXEC		(1u << 0)
/* The new fd may be mapped for writing; without it, read-only mappings. */
#define AI_MEM_EXPORT_RDWR		(1u << 1)
#define AI_MEM_EXPORT_FLAGS_ALL		(AI_MEM_EXPORT_CLOEXEC | \
					 AI_MEM_EXPORT_RDWR)

/**
 * struct ai_mem_export - argument of AI_MEM_IOC_EXPORT
 * @size:        in: sizeof(struct ai_mem_export)
 * @flags:       in: AI_MEM_EXPORT_* only
 * @offset:      in: the allocation, as AI_MEM_IOC_ALLOC returned it on
 *               this file
 * @start:       in: where the dma-buf begins, in bytes into the
 *               allocation; a multiple of the block size
 * @length:      in: bytes, a multiple of the block size; 0: up to the end
 *               of the allocation
 * @fd:          out: a dma-buf file descriptor of that range
 * @nr_segments: out: physically contiguous segments the range is made of
 *               (an importer's limits on segment size may split them)
 *
 * On failure @fd and @nr_segments may have been written, and mean nothing.
 * The dma-buf holds the allocation's blocks (all of them, even for a
 * range) until its last reference (fd, mapping, importer) is gone, past
 * FREE of the allocation and past close of this file; they stay charged to
 * the allocation's user until then.
 */
struct ai_mem_export {
	__u32 size;
	__u32 flags;
	__u64 offset;
	__u64 start;
	__u64 length;
	__s32 fd;
	__u32 nr_segments;
};

/**
 * struct ai_mem_buf_info - argument of AI_MEM_IOC_BUF_INFO
 * @size:        in: sizeof(struct ai_mem_buf_info); out: bytes written
 * @flags:       in: 0
 * @offset:      in: the allocation, as AI_MEM_IOC_ALLOC returned it on
 *               this file
 * @length:      out: bytes it holds (whole blocks)
 * @nr_segments: out: physically contiguous segments its blocks make
 * @nr_exports:  out: dma-bufs of it alive now
 */
struct ai_mem_buf_info {
	__u32 size;
	__u32 flags;
	__u64 offset;
	__u64 length;
	__u32 nr_segments;
	__u32 nr_exports;
};

/*
 * ALLOC, FREE and EXPORT need the file open for writing; INFO and BUF_INFO
 * do not.
 */
#define AI_MEM_IOC_ALLOC	_IO(AI_MEM_IOC_MAGIC, 0x01)
#define AI_MEM_IOC_FREE		_IO(AI_MEM_IOC_MAGIC, 0x02)
#define AI_MEM_IOC_INFO		_IO(AI_MEM_IOC_MAGIC, 0x03)
#define AI_MEM_IOC_EXPORT	_IO(AI_MEM_IOC_MAGIC, 0x04)
#define AI_MEM_IOC_BUF_INFO	_IO(AI_MEM_IOC_MAGIC, 0x05)

#endif /* _UAPI_LINUX_AI_MEM_H */
