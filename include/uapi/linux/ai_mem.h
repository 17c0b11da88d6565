/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ai_mem: a pool of pinned memory handed out in 4 KiB blocks through
 * /dev/ai_mem and mapped into the owner's address space for zero-copy DMA.
 *
 * Every structure here has a fixed layout on all architectures: fixed-width
 * fields, natural alignment, explicit padding, no holes. Reserved fields must
 * be zero on input; they are zero on output.
 */
#ifndef _UAPI_LINUX_AI_MEM_H
#define _UAPI_LINUX_AI_MEM_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Free in Documentation/userspace-api/ioctl/ioctl-number.rst. */
#define AI_MEM_IOC_MAGIC		0xBB

#define AI_MEM_NODE_ANY			(-1)

/* Serve only from the requested node; never fall back to another one. */
#define AI_MEM_ALLOC_STRICT_NODE	(1u << 0)
#define AI_MEM_ALLOC_FLAGS_ALL		(AI_MEM_ALLOC_STRICT_NODE)

/**
 * struct ai_mem_alloc - argument of AI_MEM_IOC_ALLOC
 * @size:     in: bytes, > 0; rounded up to whole blocks
 * @node:     in: NUMA node, or AI_MEM_NODE_ANY for the caller's node first
 * @flags:    in: AI_MEM_ALLOC_* only
 * @offset:   out: the mmap() offset that names this allocation
 * @reserved: in: must be 0
 */
struct ai_mem_alloc {
	__u64 size;
	__s32 node;
	__u32 flags;
	__u64 offset;
	__u64 reserved;
};

/**
 * struct ai_mem_info - argument of AI_MEM_IOC_INFO
 * @pool_bytes:   size of the whole pool
 * @block_size:   bytes per block
 * @total_blocks: blocks in the pool
 * @free_blocks:  blocks not held by anyone
 * @owned_blocks: blocks held through the open file the ioctl was made on
 * @nr_nodes:     NUMA nodes the pool is spread over
 * @reserved:     0
 */
struct ai_mem_info {
	__u64 pool_bytes;
	__u64 block_size;
	__u64 total_blocks;
	__u64 free_blocks;
	__u64 owned_blocks;
	__u32 nr_nodes;
	__u32 reserved;
};

#define AI_MEM_IOC_ALLOC	_IOWR(AI_MEM_IOC_MAGIC, 1, struct ai_mem_alloc)
/* The argument points to the __u64 offset returned by AI_MEM_IOC_ALLOC. */
#define AI_MEM_IOC_FREE		_IOW(AI_MEM_IOC_MAGIC, 2, __u64)
#define AI_MEM_IOC_INFO		_IOR(AI_MEM_IOC_MAGIC, 3, struct ai_mem_info)

#endif /* _UAPI_LINUX_AI_MEM_H */
