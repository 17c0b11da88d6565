// SPDX-License-Identifier: GPL-2.0
/*
 * ai_provoke - commits one real bug of the kind the debug kernel's
 * detectors exist to catch, so that tests/vm/selftest.sh can prove each
 * detector turns the VM run red. Text injected into the log would only
 * prove the console scan; this proves the whole chain: detector, report,
 * scan. Built with the other self-test modules, loaded only on the debug
 * kernel; never load it anywhere else.
 *
 *   insmod ai_provoke.ko what=uaf|ubsan|sleep|list|refcount|rcu|lockdep|leak|hung
 *
 * Each provocation is chosen to be survivable: the kernel reports it and
 * goes on, so one boot can show them all.
 */
#include <linux/delay.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

static char *what = "";
module_param(what, charp, 0444);
MODULE_PARM_DESC(what, "the bug to commit at load");

static unsigned int shift = 40;
module_param(shift, uint, 0444);
MODULE_PARM_DESC(shift, "what=ubsan shifts a u32 by this much");

static unsigned int hung_secs = 8;
module_param(hung_secs, uint, 0444);
MODULE_PARM_DESC(hung_secs, "what=hung sleeps uninterruptibly this long");

static DEFINE_SPINLOCK(provoke_lock);
static DEFINE_MUTEX(provoke_a);
static DEFINE_MUTEX(provoke_b);

struct provoke_obj {
	int val;
};

static struct provoke_obj __rcu *provoke_rcu_ptr;

static void provoke_uaf(void)
{
	char *p = kmalloc(64, GFP_KERNEL);

	if (!p)
		return;
	kfree(p);
	OPTIMIZER_HIDE_VAR(p);
	pr_info("ai_provoke: read after free: %d\n", READ_ONCE(p[8]));
}

static void provoke_ubsan(void)
{
	u32 one = 1;

	OPTIMIZER_HIDE_VAR(one);
	pr_info("ai_provoke: 1 << %u = %u\n", shift, one << shift);
}

/* A GFP_KERNEL allocation may sleep: under a spinlock it is a bug. */
static void provoke_sleep(void)
{
	void *p;

	spin_lock(&provoke_lock);
	p = kmalloc(32, GFP_KERNEL);
	spin_unlock(&provoke_lock);
	kfree(p);
}

/* DEBUG_LIST refuses the second add and reports it. */
static void provoke_list(void)
{
	LIST_HEAD(head);
	struct list_head entry;

	list_add(&entry, &head);
	list_add(&entry, &head);
	list_del(&entry);
}

/* refcount_t saturates and warns on an increment from zero. */
static void provoke_refcount(void)
{
	refcount_t r = REFCOUNT_INIT(0);

	refcount_inc(&r);
}

/* rcu_dereference() outside any RCU read-side section. */
static void provoke_rcu(void)
{
	struct provoke_obj *p = rcu_dereference(provoke_rcu_ptr);

	pr_info("ai_provoke: rcu pointer %s\n", p ? "set" : "null");
}

/*
 * A then B, later B then A: lockdep reports the inversion from the order
 * alone, with no second thread and no deadlock.
 */
static void provoke_lockdep(void)
{
	mutex_lock(&provoke_a);
	mutex_lock(&provoke_b);
	mutex_unlock(&provoke_b);
	mutex_unlock(&provoke_a);

	mutex_lock(&provoke_b);
	mutex_lock(&provoke_a);
	mutex_unlock(&provoke_a);
	mutex_unlock(&provoke_b);
}

/* The only pointer to the object dies with this frame. */
static void provoke_leak(void)
{
	void *p = kmalloc(128, GFP_KERNEL);

	OPTIMIZER_HIDE_VAR(p);
	pr_info("ai_provoke: leaked one object%s\n", p ? "" : " (allocation failed)");
}

/* Uninterruptible sleep past the hung-task timeout the case sets. */
static void provoke_hung(void)
{
	schedule_timeout_uninterruptible(hung_secs * HZ);
}

static const struct {
	const char *name;
	void (*fn)(void);
} provocations[] = {
	{ "uaf", provoke_uaf },
	{ "ubsan", provoke_ubsan },
	{ "sleep", provoke_sleep },
	{ "list", provoke_list },
	{ "refcount", provoke_refcount },
	{ "rcu", provoke_rcu },
	{ "lockdep", provoke_lockdep },
	{ "leak", provoke_leak },
	{ "hung", provoke_hung },
};

static int __init ai_provoke_init(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(provocations); i++) {
		if (!strcmp(what, provocations[i].name)) {
			provocations[i].fn();
			return 0;
		}
	}
	return -EINVAL;
}

static void __exit ai_provoke_exit(void)
{
}

module_init(ai_provoke_init);
module_exit(ai_provoke_exit);
MODULE_DESCRIPTION("Commits real bugs for the debug-kernel self-test");
MODULE_LICENSE("GPL");
