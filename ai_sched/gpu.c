// SPDX-License-Identifier: GPL-2.0
/*
 * Per-GPU utilisation as reported by the agent, and the decision it drives:
 * available (boost), saturated (relax) or unknown (stale). All under
 * ai_sched_lock.
 */
#include <linux/jiffies.h>
#include <linux/minmax.h>
#include "internal.h"

struct ai_sched_gpu {
	bool reported;
	bool saturated;		/* hysteresis memory */
	unsigned int util;	/* percent */
	unsigned long stamp;	/* jiffies of the last report */
};

static struct ai_sched_gpu ai_sched_gpus[AI_SCHED_MAX_GPUS];

/*
 * Saturated at busy_pct and above; available again only below
 * busy_pct - hyst_pct, so that a utilisation hovering around the threshold
 * does not flip the boost every tick.
 */
void ai_sched_gpu_report(unsigned int gpu, unsigned int util)
{
	struct ai_sched_gpu *g = &ai_sched_gpus[gpu];
	unsigned int busy = min(READ_ONCE(ai_sched_busy_pct), 100U);
	unsigned int hyst = min(READ_ONCE(ai_sched_hyst_pct), busy);

	lockdep_assert_held(&ai_sched_lock);
	if (util >= busy)
		g->saturated = true;
	else if (util < busy - hyst || !g->reported)
		g->saturated = false;
	g->util = util;
	g->stamp = jiffies;
	g->reported = true;
}

enum ai_sched_gpu_state ai_sched_gpu_state(unsigned int gpu)
{
	struct ai_sched_gpu *g = &ai_sched_gpus[gpu];
	unsigned long stale = msecs_to_jiffies(READ_ONCE(ai_sched_stale_ms));

	lockdep_assert_held(&ai_sched_lock);
	if (!g->reported || time_after(jiffies, g->stamp + stale))
		return AI_GPU_UNKNOWN;
	return g->saturated ? AI_GPU_SATURATED : AI_GPU_AVAILABLE;
}

bool ai_sched_gpu_reported(unsigned int gpu, unsigned int *util)
{
	lockdep_assert_held(&ai_sched_lock);
	*util = ai_sched_gpus[gpu].util;
	return ai_sched_gpus[gpu].reported;
}

const char *ai_sched_gpu_state_name(enum ai_sched_gpu_state s)
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
