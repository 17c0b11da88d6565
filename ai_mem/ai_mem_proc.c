// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/ai_memory: the pool at a glance, parsed by ai_monitor. The format is
 * an ABI (docs/ai_mem.md): lines are only ever added, never changed.
 *
 * Totals are for everyone. Rows that name a process or a user are shown in
 * full only to a reader whose file was opened with CAP_SYS_ADMIN; anyone
 * else sees only the rows of files they opened themselves, and of their
 * own user. PIDs are those of the procfs instance's pid namespace, and a
 * process not visible there is left out, so a container's /proc shows
 * nothing of the host (hidepid= hides nothing more than that here: no row
 * of another user is shown to an unprivileged reader at all).
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

#include "ai_mem_internal.h"

static int ai_mem_proc_show(struct seq_file *m, void *v)
{
	struct ai_mem_pool *pool = &ai_mem_pool;
	struct pid_namespace *ns = proc_pid_ns(file_inode(m->file)->i_sb);
	bool all = file_ns_capable(m->file, &init_user_ns, CAP_SYS_ADMIN);
	kuid_t self = m->file->f_cred->uid;
	unsigned long total = pool->total, free, held;

	free = READ_ONCE(pool->nr_free);
	held = total - free;
	seq_printf(m, "Total Pool Size: %lu MB\n", total >> (20 - PAGE_SHIFT));
	seq_printf(m, "Block Size: %lu KB\n", AI_MEM_BLOCK_SIZE >> 10);
	seq_printf(m, "Total Blocks: %lu\n", total);
	seq_printf(m, "Allocated: %llu bytes\n",
		   (u64)held * AI_MEM_BLOCK_SIZE);
	seq_printf(m, "Free Blocks: %lu\n", free);
	seq_printf(m, "Allocated Blocks: %lu\n", held);
	seq_printf(m, "Pending Blocks: %lu\n", READ_ONCE(pool->nr_pending));
	seq_printf(m, "User Max: %u MB\n", READ_ONCE(ai_mem_user_max_mb));
	seq_printf(m, "Free 2M Runs: %lu\n", ai_mem_pool_free_runs());
	ai_mem_dmabuf_show(m);
	ai_mem_pool_show_nodes(m);
	ai_mem_files_show(m, all, self, ns);
	ai_mem_users_show(m, all, self);
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
