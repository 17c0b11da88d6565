// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/ai_memory: the pool at a glance, parsed by ai_monitor. The format is
 * an ABI (docs/ai_mem.md): lines are only ever added, never changed.
 */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

#include "ai_mem_internal.h"

static int ai_mem_proc_show(struct seq_file *m, void *v)
{
	struct ai_mem_stats st;
	unsigned long held;

	ai_mem_pool_stats(&st);
	held = st.total - st.free;
	seq_printf(m, "Total Pool Size: %lu MB\n",
		   st.total >> (20 - PAGE_SHIFT));
	seq_printf(m, "Block Size: %lu KB\n", AI_MEM_BLOCK_SIZE >> 10);
	seq_printf(m, "Total Blocks: %lu\n", st.total);
	seq_printf(m, "Allocated: %llu bytes\n",
		   (u64)held * AI_MEM_BLOCK_SIZE);
	seq_printf(m, "Free Blocks: %lu\n", st.free);
	seq_printf(m, "Allocated Blocks: %lu\n", held);
	seq_printf(m, "Pending Blocks: %lu\n", st.pending);
	ai_mem_pool_show_nodes(m);
	ai_mem_files_show(m);
	return 0;
}

int ai_mem_proc_init(void)
{
	if (!proc_create_single("ai_memory", 0444, NULL, ai_mem_proc_show))
		return -ENOMEM;
	return 0;
}

void ai_mem_proc_exit(void)
{
	remove_proc_entry("ai_memory", NULL);
}
