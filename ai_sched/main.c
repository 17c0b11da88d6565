// SPDX-License-Identifier: GPL-2.0
/*
 * ai_sched: GPU-aware CPU priority booster for inference processes.
 *
 * An agent in user space registers GPU-feeding processes through
 * /dev/ai_sched and reports GPU utilisation (processes may register
 * themselves too). While a process's GPU is under-fed its threads run at a
 * better nice; when the GPU is saturated, or its state is unknown, they get
 * their own nice back. A registration ends with its registrar's descriptor
 * (unless made persistent by a CAP_SYS_NICE caller), with the process, at
 * exec of a set-id program and at module unload. See docs/ai_sched.md.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include "internal.h"

DEFINE_MUTEX(ai_sched_lock);

static int ai_sched_open(struct inode *inode, struct file *file)
{
	struct ai_sched_file *f;

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	INIT_LIST_HEAD(&f->procs);
	file->private_data = f;
	return 0;
}

/* The last reference to the file: its registrations end with it. */
static int ai_sched_release(struct inode *inode, struct file *file)
{
	struct ai_sched_file *f = file->private_data;
	struct ai_sched_proc *p, *n;

	mutex_lock(&ai_sched_lock);
	list_for_each_entry_safe(p, n, &f->procs, owner_node) {
		ai_sched_proc_unregister(p);
		cond_resched();
	}
	mutex_unlock(&ai_sched_lock);
	kfree(f);
	return 0;
}

static const struct file_operations ai_sched_fops = {
	.owner		= THIS_MODULE,
	.open		= ai_sched_open,
	.release	= ai_sched_release,
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

static int __init ai_sched_init(void)
{
	int ret;

	ret = ai_sched_params_check();
	if (ret) {
		pr_err("invalid parameters: need 1 <= busy_pct <= 100 and hyst_pct <= busy_pct\n");
		return ret;
	}

	ret = ai_sched_events_init();
	if (ret)
		return ret;

	if (!proc_create_single("ai_scheduler", 0444, NULL,
				ai_sched_proc_show)) {
		ret = -ENOMEM;
		goto err_events;
	}

	ret = misc_register(&ai_sched_dev);
	if (ret)
		goto err_proc;
	return 0;

err_proc:
	remove_proc_entry("ai_scheduler", NULL);
err_events:
	ai_sched_events_exit();
	return ret;
}

static void __exit ai_sched_exit(void)
{
	/* No new registrations (open files pin the module)... */
	misc_deregister(&ai_sched_dev);
	remove_proc_entry("ai_scheduler", NULL);
	/* ...every boosted thread gets its own nice back... */
	ai_sched_unboost_all();
	/* ...no probe or work runs any more, and the entries go. */
	ai_sched_events_exit();
	ai_sched_release_all();
	ai_sched_gpu_free_all();
}

module_init(ai_sched_init);
module_exit(ai_sched_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("GPU-aware CPU priority booster for AI inference");
