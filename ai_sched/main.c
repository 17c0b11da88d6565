// SPDX-License-Identifier: GPL-2.0
/*
 * ai_sched: GPU-aware CPU priority booster for inference processes.
 *
 * An agent in user space registers GPU-feeding processes through
 * /dev/ai_sched and reports GPU utilisation. While a process's GPU is
 * under-fed, its threads run at a better nice so that it gets the CPU as soon
 * as it is runnable; when the GPU is saturated the boost is dropped. Every
 * change is undone exactly on relax, unregister, exit and module unload.
 * See docs/ai_sched.md.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/sched/prio.h>
#include <linux/seq_file.h>
#include "internal.h"

unsigned int ai_sched_tick_ms = 100;
module_param_named(tick_ms, ai_sched_tick_ms, uint, 0644);
MODULE_PARM_DESC(tick_ms, "Re-evaluation period in milliseconds (default 100)");

unsigned int ai_sched_busy_pct = 90;
module_param_named(busy_pct, ai_sched_busy_pct, uint, 0644);
MODULE_PARM_DESC(busy_pct, "GPU utilisation (percent) at which the GPU counts as saturated and boosts are dropped (default 90)");

unsigned int ai_sched_hyst_pct = 10;
module_param_named(hyst_pct, ai_sched_hyst_pct, uint, 0644);
MODULE_PARM_DESC(hyst_pct, "A saturated GPU is available again below busy_pct - hyst_pct (default 10)");

unsigned int ai_sched_stale_ms = 2000;
module_param_named(stale_ms, ai_sched_stale_ms, uint, 0644);
MODULE_PARM_DESC(stale_ms, "A GPU with no utilisation report for this long is unknown (default 2000)");

bool ai_sched_unknown_boost = true;
module_param_named(unknown_boost, ai_sched_unknown_boost, bool, 0644);
MODULE_PARM_DESC(unknown_boost, "Boost processes whose GPU state is unknown (default Y)");

int ai_sched_min_nice = -10;
module_param_named(min_nice, ai_sched_min_nice, int, 0644);
MODULE_PARM_DESC(min_nice, "Lowest boost nice a caller without CAP_SYS_NICE may ask for (default -10)");

unsigned int ai_sched_max_tasks = 1024;
module_param_named(max_tasks, ai_sched_max_tasks, uint, 0644);
MODULE_PARM_DESC(max_tasks, "Most processes registered at once (default 1024)");

bool ai_sched_autogroup = true;
module_param_named(autogroup, ai_sched_autogroup, bool, 0644);
MODULE_PARM_DESC(autogroup, "Detach boosted processes from their session's autogroup so that the boost works across sessions (default Y)");

DEFINE_MUTEX(ai_sched_lock);

static const struct file_operations ai_sched_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= ai_sched_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice ai_sched_dev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "ai_sched",
	.fops	= &ai_sched_fops,
	.mode	= 0660,
};

static int __init ai_sched_check_params(void)
{
	if (ai_sched_busy_pct > 100 || ai_sched_hyst_pct > ai_sched_busy_pct ||
	    ai_sched_min_nice < MIN_NICE || ai_sched_min_nice > MAX_NICE ||
	    !ai_sched_tick_ms) {
		pr_err("invalid parameters: need busy_pct <= 100, hyst_pct <= busy_pct, min_nice in %d..%d, tick_ms > 0\n",
		       MIN_NICE, MAX_NICE);
		return -EINVAL;
	}
	return 0;
}

static int __init ai_sched_init(void)
{
	int ret;

	ret = ai_sched_check_params();
	if (ret)
		return ret;

	if (!proc_create_single("ai_scheduler", 0444, NULL, ai_sched_proc_show))
		return -ENOMEM;

	ret = misc_register(&ai_sched_dev);
	if (ret)
		goto err_proc;
	return 0;

err_proc:
	remove_proc_entry("ai_scheduler", NULL);
	return ret;
}

static void __exit ai_sched_exit(void)
{
	/* No new registrations (open files pin the module), no more ticks... */
	misc_deregister(&ai_sched_dev);
	remove_proc_entry("ai_scheduler", NULL);
	ai_sched_tick_stop();
	/* ...then every boosted thread gets its own nice back. */
	ai_sched_release_all();
}

module_init(ai_sched_init);
module_exit(ai_sched_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("GPU-aware CPU priority booster for AI inference");
