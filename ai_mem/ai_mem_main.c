// SPDX-License-Identifier: GPL-2.0
/*
 * ai_mem: a pool of pinned (never swapped) pages reserved at load, handed
 * out in 4 KiB blocks through /dev/ai_mem and mapped into the owner's
 * address space for zero-copy DMA. Design: docs/ai_mem.md.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bits.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "ai_mem_internal.h"

/*
 * Just under 1 TiB: far beyond any sane pool, small enough for every sum we
 * make. Not 1 TiB itself: the load-time array of its 2^28 page pointers
 * would be 2 GiB, over kvmalloc()'s INT_MAX limit, which WARNs and fails
 * the load.
 */
#define AI_MEM_POOL_MB_MAX	(BIT(20) - 1)

static unsigned int pool_mb = 256;
module_param(pool_mb, uint, 0444);
MODULE_PARM_DESC(pool_mb, "Pool size in MiB, reserved at load (default 256)");

static bool numa = true;
module_param(numa, bool, 0444);
MODULE_PARM_DESC(numa, "Split the pool evenly across the nodes with memory (default on)");

module_param_named(user_max_mb, ai_mem_user_max_mb, uint, 0644);
MODULE_PARM_DESC(user_max_mb, "Most MiB one user may hold, even with CAP_IPC_LOCK; 0: no such cap (default)");

static struct miscdevice ai_mem_dev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "ai_mem",
	.fops	= &ai_mem_fops,
	.mode	= 0660,
};

static int __init ai_mem_init(void)
{
	int ret;

	if (!pool_mb || pool_mb > AI_MEM_POOL_MB_MAX) {
		pr_err("pool_mb=%u out of range 1..%lu\n", pool_mb,
		       AI_MEM_POOL_MB_MAX);
		return -EINVAL;
	}
	ret = ai_mem_pool_init((unsigned long)pool_mb << (20 - PAGE_SHIFT),
			       numa);
	if (ret)
		return ret;
	ret = ai_mem_proc_init();
	if (ret)
		goto err_pool;
	ret = misc_register(&ai_mem_dev);
	if (ret)
		goto err_proc;
	pr_info("%u MiB pool on %d node(s)\n", pool_mb, ai_mem_pool.nr_nodes);
	return 0;

err_proc:
	ai_mem_proc_exit();
err_pool:
	ai_mem_pool_exit();
	return ret;
}

static void __exit ai_mem_exit(void)
{
	misc_deregister(&ai_mem_dev);
	ai_mem_proc_exit();
	ai_mem_pool_exit();
}

module_init(ai_mem_init);
module_exit(ai_mem_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Pinned memory block pool for AI inference buffers");
