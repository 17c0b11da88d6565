// SPDX-License-Identifier: GPL-2.0
/*
 * Who pays for pinned blocks. Every block an allocation takes is charged,
 * until it is back in the pool, to the user that allocated it:
 *  - to the user's locked_vm, against the allocating task's RLIMIT_MEMLOCK
 *    unless it has CAP_IPC_LOCK, exactly as io_uring charges registered
 *    buffers (the counter io_uring, AF_XDP umems and perf buffers charge
 *    too, so they and ai_mem share one limit per user, however many files
 *    or processes the user opens; mlock() itself counts per mm);
 *  - to the user's row here, against user_max_mb, which holds even for
 *    CAP_IPC_LOCK callers (0: no such cap).
 * A user is charged per user, not per open file: N opens do not get N
 * times the limit. A file passed to another user stays charged to the
 * allocating one, as an io_uring ring does.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/user.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/ai_mem.h>

#include "ai_mem_internal.h"

/* user_max_mb in blocks; 0: none. */
unsigned int ai_mem_user_max_mb;

/*
 * Users holding blocks or open files, by kuid; a row lives while it has
 * blocks charged or an open file refers to it.
 */
static DEFINE_HASHTABLE(ai_mem_users, 6);
static DEFINE_MUTEX(ai_mem_users_lock);	/* protects ai_mem_users, rows */

static struct ai_mem_user *ai_mem_user_find(struct user_struct *user)
{
	struct ai_mem_user *u;

	hash_for_each_possible(ai_mem_users, u, link, __kuid_val(user->uid))
		if (u->user == user)
			return u;
	return NULL;
}

static unsigned long ai_mem_user_cap(void)
{
	return (unsigned long)READ_ONCE(ai_mem_user_max_mb) <<
	       (20 - PAGE_SHIFT);
}

/* A new row for @user; caller holds ai_mem_users_lock and allocated @u. */
static struct ai_mem_user *ai_mem_user_add(struct ai_mem_user *u,
					   struct user_struct *user)
{
	u->user = get_uid(user);
	hash_add(ai_mem_users, &u->link, __kuid_val(user->uid));
	return u;
}

/* Caller holds ai_mem_users_lock. */
static void ai_mem_user_maybe_free(struct ai_mem_user *u)
{
	if (u->blocks || u->files)
		return;
	hash_del(&u->link);
	free_uid(u->user);
	kfree(u);
}

/*
 * The current user's row, kept while the file that calls this is open
 * (ai_mem_user_put() at release), so that the user's charges need no
 * allocation and no lookup while it works through that file.
 */
struct ai_mem_user *ai_mem_user_get(void)
{
	struct user_struct *user = current_user();
	struct ai_mem_user *u, *fresh;

	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL_ACCOUNT);
	if (!fresh)
		return NULL;
	mutex_lock(&ai_mem_users_lock);
	u = ai_mem_user_find(user);
	if (!u) {
		u = ai_mem_user_add(fresh, user);
		fresh = NULL;
	}
	u->files++;
	mutex_unlock(&ai_mem_users_lock);
	kfree(fresh);
	return u;
}

void ai_mem_user_put(struct ai_mem_user *u)
{
	mutex_lock(&ai_mem_users_lock);
	u->files--;
	ai_mem_user_maybe_free(u);
	mutex_unlock(&ai_mem_users_lock);
}

/* @hint's row if it is the current user's, else the current user's. */
static struct ai_mem_user *ai_mem_user_current(struct ai_mem_user *hint)
{
	struct user_struct *user = current_user();

	return hint && hint->user == user ? hint : ai_mem_user_find(user);
}

/*
 * Charge @n blocks to the current user (@hint: the row of the file's
 * opener, the usual case). -EDQUOT when user_max_mb or RLIMIT_MEMLOCK
 * (without CAP_IPC_LOCK) would be exceeded; capable() is asked only then,
 * and once, so that callers within their limit cause no capability audit.
 */
int ai_mem_charge(struct ai_mem_user *hint, unsigned long n,
		  struct ai_mem_user **out)
{
	struct user_struct *user = current_user();
	unsigned long cap = ai_mem_user_cap(), limit, cur;
	struct ai_mem_user *u, *fresh = NULL;
	bool exempt = false;
	int ret = 0;

	mutex_lock(&ai_mem_users_lock);
	u = ai_mem_user_current(hint);
	if (!u) {
		/* A user other than the opener: allocate its row unlocked. */
		mutex_unlock(&ai_mem_users_lock);
		fresh = kzalloc(sizeof(*fresh), GFP_KERNEL_ACCOUNT);
		if (!fresh)
			return -ENOMEM;
		mutex_lock(&ai_mem_users_lock);
		u = ai_mem_user_find(user);
	}
	if (cap && (u ? u->blocks : 0) + n > cap) {
		ret = -EDQUOT;
		goto out;
	}
	limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	cur = atomic_long_read(&user->locked_vm);
	do {
		if (cur + n > limit && !exempt) {
			if (!capable(CAP_IPC_LOCK)) {
				ret = -EDQUOT;
				goto out;
			}
			exempt = true;
		}
	} while (!atomic_long_try_cmpxchg(&user->locked_vm, &cur, cur + n));

	if (!u) {
		u = ai_mem_user_add(fresh, user);
		fresh = NULL;
	}
	u->blocks += n;
	*out = u;
out:
	mutex_unlock(&ai_mem_users_lock);
	kfree(fresh);
	return ret;
}

/* Blocks are back in the pool (or, at unload, no longer ours). */
void ai_mem_uncharge(struct ai_mem_user *u, unsigned long n)
{
	mutex_lock(&ai_mem_users_lock);
	atomic_long_sub(n, &u->user->locked_vm);
	u->blocks -= n;
	ai_mem_user_maybe_free(u);
	mutex_unlock(&ai_mem_users_lock);
}

/*
 * What the current user holds and the most it may hold now (for INFO);
 * AI_MEM_NO_LIMIT as @limit when no cap applies.
 */
void ai_mem_charge_query(struct ai_mem_user *hint, unsigned long *blocks,
			 unsigned long *limit)
{
	unsigned long cap = ai_mem_user_cap(), rl = ULONG_MAX;
	struct ai_mem_user *u;

	if (rlimit(RLIMIT_MEMLOCK) != RLIM_INFINITY &&
	    !has_capability_noaudit(current, CAP_IPC_LOCK)) {
		/* The rlimit counts io_uring's pins of this user too. */
		rl = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	}
	*limit = min(cap ? cap : ULONG_MAX, rl);

	mutex_lock(&ai_mem_users_lock);
	u = ai_mem_user_current(hint);
	*blocks = u ? u->blocks : 0;
	mutex_unlock(&ai_mem_users_lock);
}

/* "UID BLOCKS" rows: every user's for @all, else only @self's. */
void ai_mem_users_show(struct seq_file *m, bool all, kuid_t self)
{
	struct user_namespace *ns = seq_user_ns(m);
	struct ai_mem_user *u;
	int bkt;

	seq_puts(m, "UID\tCHARGED_BLOCKS\n");
	mutex_lock(&ai_mem_users_lock);
	hash_for_each(ai_mem_users, bkt, u, link) {
		if (!u->blocks || (!all && !uid_eq(u->user->uid, self)))
			continue;
		seq_printf(m, "%u\t%lu\n", from_kuid_munged(ns, u->user->uid),
			   u->blocks);
	}
	mutex_unlock(&ai_mem_users_lock);
}
