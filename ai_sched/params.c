// SPDX-License-Identifier: GPL-2.0
/*
 * Module parameters, each validated on every write (load and sysfs alike)
 * by its own kernel_param_ops. Writes through sysfs run under the module's
 * kernel_param_lock, so the cross checks (hyst_pct <= busy_pct) see a
 * stable value of the other parameter. A change that alters decisions
 * re-evaluates every registered process.
 */
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/sched/prio.h>
#include "internal.h"

#define AI_SCHED_MAX_TASKS_LIMIT	65536U
#define AI_SCHED_MAX_GPUS_LIMIT		65536U
#define AI_SCHED_STALE_MS_LIMIT		3600000U

unsigned int ai_sched_busy_pct = 90;
unsigned int ai_sched_hyst_pct = 10;
unsigned int ai_sched_stale_ms = 2000;
bool ai_sched_unknown_boost;
int ai_sched_min_nice = -10;
unsigned int ai_sched_max_tasks = 1024;
unsigned int ai_sched_max_per_user = 64;
unsigned int ai_sched_max_gpus = 64;

static int ai_sched_set_uint(const char *val, const struct kernel_param *kp,
			     unsigned int lo, unsigned int hi)
{
	unsigned int v;
	int ret;

	ret = kstrtouint(val, 0, &v);
	if (ret)
		return ret;
	if (v < lo || v > hi)
		return -EINVAL;
	WRITE_ONCE(*(unsigned int *)kp->arg, v);
	ai_sched_reeval_all();
	return 0;
}

static int ai_sched_set_busy(const char *val, const struct kernel_param *kp)
{
	return ai_sched_set_uint(val, kp, max(READ_ONCE(ai_sched_hyst_pct), 1U),
				 100);
}

static int ai_sched_set_hyst(const char *val, const struct kernel_param *kp)
{
	return ai_sched_set_uint(val, kp, 0, READ_ONCE(ai_sched_busy_pct));
}

static int ai_sched_set_stale(const char *val, const struct kernel_param *kp)
{
	return ai_sched_set_uint(val, kp, 1, AI_SCHED_STALE_MS_LIMIT);
}

static int ai_sched_set_max_tasks(const char *val,
				  const struct kernel_param *kp)
{
	return ai_sched_set_uint(val, kp, 1, AI_SCHED_MAX_TASKS_LIMIT);
}

static int ai_sched_set_per_user(const char *val,
				 const struct kernel_param *kp)
{
	return ai_sched_set_uint(val, kp, 0, AI_SCHED_MAX_TASKS_LIMIT);
}

static int ai_sched_set_max_gpus(const char *val,
				 const struct kernel_param *kp)
{
	return ai_sched_set_uint(val, kp, 1, AI_SCHED_MAX_GPUS_LIMIT);
}

static int ai_sched_set_min_nice(const char *val,
				 const struct kernel_param *kp)
{
	int v, ret;

	ret = kstrtoint(val, 0, &v);
	if (ret)
		return ret;
	if (v < MIN_NICE || v > MAX_NICE)
		return -EINVAL;
	WRITE_ONCE(ai_sched_min_nice, v);
	return 0;
}

static int ai_sched_set_unknown(const char *val,
				const struct kernel_param *kp)
{
	int ret = param_set_bool(val, kp);

	if (!ret)
		ai_sched_reeval_all();
	return ret;
}

#define AI_SCHED_UINT_OPS(name, setter)					\
	static const struct kernel_param_ops name = {			\
		.set = setter,						\
		.get = param_get_uint,					\
	}

AI_SCHED_UINT_OPS(ai_sched_busy_ops, ai_sched_set_busy);
AI_SCHED_UINT_OPS(ai_sched_hyst_ops, ai_sched_set_hyst);
AI_SCHED_UINT_OPS(ai_sched_stale_ops, ai_sched_set_stale);
AI_SCHED_UINT_OPS(ai_sched_max_tasks_ops, ai_sched_set_max_tasks);
AI_SCHED_UINT_OPS(ai_sched_per_user_ops, ai_sched_set_per_user);
AI_SCHED_UINT_OPS(ai_sched_max_gpus_ops, ai_sched_set_max_gpus);

static const struct kernel_param_ops ai_sched_min_nice_ops = {
	.set = ai_sched_set_min_nice,
	.get = param_get_int,
};

static const struct kernel_param_ops ai_sched_unknown_ops = {
	.set = ai_sched_set_unknown,
	.get = param_get_bool,
};

module_param_cb(busy_pct, &ai_sched_busy_ops, &ai_sched_busy_pct, 0644);
MODULE_PARM_DESC(busy_pct, "GPU utilisation (percent, hyst_pct..100, >= 1) at which the GPU is saturated and boosts end (default 90)");
module_param_cb(hyst_pct, &ai_sched_hyst_ops, &ai_sched_hyst_pct, 0644);
MODULE_PARM_DESC(hyst_pct, "A saturated GPU is available again below busy_pct - hyst_pct (0..busy_pct, default 10)");
module_param_cb(stale_ms, &ai_sched_stale_ops, &ai_sched_stale_ms, 0644);
MODULE_PARM_DESC(stale_ms, "A GPU with no report for this long is unknown (1..3600000, default 2000)");
module_param_cb(unknown_boost, &ai_sched_unknown_ops, &ai_sched_unknown_boost, 0644);
MODULE_PARM_DESC(unknown_boost, "Boost processes whose GPU state is unknown (default N: fail closed)");
module_param_cb(min_nice, &ai_sched_min_nice_ops, &ai_sched_min_nice, 0644);
MODULE_PARM_DESC(min_nice, "Lowest boost nice a caller without CAP_SYS_NICE may ask for, on top of RLIMIT_NICE (-20..19, default -10)");
module_param_cb(max_tasks, &ai_sched_max_tasks_ops, &ai_sched_max_tasks, 0644);
MODULE_PARM_DESC(max_tasks, "Most processes registered at once (1..65536, default 1024)");
module_param_cb(max_per_user, &ai_sched_per_user_ops, &ai_sched_max_per_user, 0644);
MODULE_PARM_DESC(max_per_user, "Most registrations one user without CAP_SYS_NICE may hold (0..65536, default 64)");
module_param_cb(max_gpus, &ai_sched_max_gpus_ops, &ai_sched_max_gpus, 0444);
MODULE_PARM_DESC(max_gpus, "GPU indices accepted are below this (1..65536, default 64; load time only)");

/* Load-time parameters are parsed in the order given: check them together. */
int ai_sched_params_check(void)
{
	if (ai_sched_hyst_pct > ai_sched_busy_pct || !ai_sched_busy_pct)
		return -EINVAL;
	return 0;
}
