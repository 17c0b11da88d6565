// SPDX-License-Identifier: GPL-2.0
/*
 * Per-GPU utilisation as reported by the agent, and the decision it drives:
 * available (boost), saturated (relax) or unknown (never reported, or
 * stale). GPUs are entries of an xarray indexed by the GPU number, created
 * when first reported or used (bounded by max_gpus) and freed at unload.
 * All under ai_sched_lock.
 */
#include <linux/jiffies.h>
#include <linux/minmax.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include "internal.h"

struct ai_sched_gpu {
	bool reported;
	bool saturated;		/* hysteresis memory */
	bool stale;		/* the last state change seen was to stale */
	unsigned int util;	/* percent */
	unsigned long stamp;	/* jiffies of the last report */
};

static DEFINE_XARRAY(ai_sched_gpus);

/* The entry of @gpu, created if need be; NULL without memory. */
static struct ai_sched_gpu *ai_sched_gpu_get(unsigned int gpu)
{
	struct ai_sched_gpu *g;

	lockdep_assert_held(&ai_sched_lock);
	g = xa_load(&ai_sched_gpus, gpu);
	if (g)
		return g;
	g = kzalloc(sizeof(*g), GFP_KERNEL);
	if (!g)
		return NULL;
	if (xa_err(xa_store(&ai_sched_gpus, gpu, g, GFP_KERNEL))) {
		kfree(g);
		return NULL;
	}
	return g;
}

/* A process is registered on @gpu: make sure /proc lists it. */
int ai_sched_gpu_use(unsigned int gpu)
{
	return ai_sched_gpu_get(gpu) ? 0 : -ENOMEM;
}

static bool ai_sched_gpu_is_stale(struct ai_sched_gpu *g)
{
	unsigned long stale = msecs_to_jiffies(READ_ONCE(ai_sched_stale_ms));

	return !g->reported || time_after(jiffies, g->stamp + stale);
}

static enum ai_sched_gpu_state ai_sched_gpu_decide(struct ai_sched_gpu *g)
{
	if (!g || ai_sched_gpu_is_stale(g))
		return AI_GPU_UNKNOWN;
	return g->saturated ? AI_GPU_SATURATED : AI_GPU_AVAILABLE;
}

/*
 * Saturated at busy_pct and above; available again only below
 * busy_pct - hyst_pct, so that a utilisation hovering around the threshold
 * does not flip the boost. Returns 1 when the decision changed, 0 when it
 * did not, -ENOMEM when the GPU's first report finds no memory for its
 * entry (the agent must hear of it: a report dropped in silence would
 * leave the GPU "unknown" while the agent thinks it was told).
 */
int ai_sched_gpu_report(unsigned int gpu, unsigned int util)
{
	unsigned int busy = min(READ_ONCE(ai_sched_busy_pct), 100U);
	unsigned int hyst = min(READ_ONCE(ai_sched_hyst_pct), busy);
	enum ai_sched_gpu_state before;
	struct ai_sched_gpu *g;

	g = ai_sched_gpu_get(gpu);
	if (!g)
		return -ENOMEM;
	before = ai_sched_gpu_decide(g);
	if (util >= busy)
		g->saturated = true;
	else if (util < busy - hyst || before == AI_GPU_UNKNOWN)
		g->saturated = false;
	g->util = util;
	g->stamp = jiffies;
	g->reported = true;
	g->stale = false;
	return ai_sched_gpu_decide(g) != before;
}

enum ai_sched_gpu_state ai_sched_gpu_state(unsigned int gpu)
{
	lockdep_assert_held(&ai_sched_lock);
	return ai_sched_gpu_decide(xa_load(&ai_sched_gpus, gpu));
}

bool ai_sched_gpu_util(unsigned int gpu, unsigned int *util)
{
	struct ai_sched_gpu *g;

	lockdep_assert_held(&ai_sched_lock);
	g = xa_load(&ai_sched_gpus, gpu);
	if (!g || !g->reported)
		return false;
	*util = g->util;
	return true;
}

/*
 * Mark the GPUs whose last report has gone stale since the last call and
 * re-evaluate their processes. Returns true if any report is still fresh
 * (the stale timer must run again).
 */
bool ai_sched_gpu_expire(void)
{
	struct ai_sched_gpu *g;
	unsigned long gpu;
	bool fresh = false;

	lockdep_assert_held(&ai_sched_lock);
	xa_for_each(&ai_sched_gpus, gpu, g) {
		if (!g->reported)
			continue;
		if (!ai_sched_gpu_is_stale(g)) {
			g->stale = false;	/* stale_ms may have grown */
			fresh = true;
		} else if (!g->stale) {
			g->stale = true;
			ai_sched_update_gpu(gpu);
		}
	}
	return fresh;
}

/* Jiffies until the earliest fresh report goes stale; *any: one exists. */
unsigned long ai_sched_gpu_next_stale(bool *any)
{
	unsigned long stale = msecs_to_jiffies(READ_ONCE(ai_sched_stale_ms));
	unsigned long next = ULONG_MAX, now = jiffies, left;
	struct ai_sched_gpu *g;
	unsigned long gpu;

	lockdep_assert_held(&ai_sched_lock);
	*any = false;
	xa_for_each(&ai_sched_gpus, gpu, g) {
		if (!g->reported || (g->stale && ai_sched_gpu_is_stale(g)))
			continue;
		left = time_after(g->stamp + stale, now) ?
			g->stamp + stale - now : 0;
		next = min(next, left);
		*any = true;
	}
	return *any ? next + 1 : 0;
}

static const char *ai_sched_gpu_state_name(enum ai_sched_gpu_state s)
{
	switch (s) {
	case AI_GPU_AVAILABLE:
		return "yes";
	case AI_GPU_SATURATED:
		return "no";
	default:
		return "unknown";
	}
}

/*
 * "GPU Utilization:" and "GPU Available:" for GPU 0 alone, or per GPU as
 * "GPU <n> ..." once more than one is known.
 */
void ai_sched_gpu_show(struct seq_file *m)
{
	struct ai_sched_gpu *g;
	unsigned long gpu, n = 0;
	char name[16] = "";
	bool many;

	lockdep_assert_held(&ai_sched_lock);
	xa_for_each(&ai_sched_gpus, gpu, g)
		n++;
	if (!xa_load(&ai_sched_gpus, 0))
		n++;		/* GPU 0 is listed whether known or not */
	many = n > 1;
	if (!xa_load(&ai_sched_gpus, 0)) {
		seq_printf(m, "GPU%s Utilization: -\n", many ? " 0" : "");
		seq_printf(m, "GPU%s Available: unknown\n", many ? " 0" : "");
	}
	xa_for_each(&ai_sched_gpus, gpu, g) {
		if (many)
			snprintf(name, sizeof(name), " %lu", gpu);
		if (g->reported)
			seq_printf(m, "GPU%s Utilization: %u%%\n", name, g->util);
		else
			seq_printf(m, "GPU%s Utilization: -\n", name);
		seq_printf(m, "GPU%s Available: %s\n", name,
			   ai_sched_gpu_state_name(ai_sched_gpu_decide(g)));
	}
}

void ai_sched_gpu_free_all(void)
{
	struct ai_sched_gpu *g;
	unsigned long gpu;

	xa_for_each(&ai_sched_gpus, gpu, g)
		kfree(g);
	xa_destroy(&ai_sched_gpus);
}
