// SPDX-License-Identifier: GPL-2.0
/*
 * The periodic re-evaluation: GPU staleness, new threads, dead processes.
 *
 * Exit detection is by polling: on every tick each entry's struct pid is
 * asked for its task (pid_task() via get_pid_task()). Neither 6.1 nor 6.12
 * exports an exit notifier to modules (profile_event_register() is gone, the
 * sched_process_exit tracepoint is not exported), and nothing needs undoing
 * for a dead process anyway: the tick only frees its entry. The tick runs
 * only while something is registered, and its cost is measured and shown in
 * /proc/ai_scheduler.
 */
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/seq_file.h>
#include <linux/workqueue.h>
#include "internal.h"

static void ai_sched_tick_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(ai_sched_tick_work, ai_sched_tick_fn);

/* Statistics, under ai_sched_lock. */
static u64 tick_last_ns, tick_max_ns, tick_sum_ns, tick_count;
static unsigned int tick_last_procs, tick_last_threads;

static unsigned long ai_sched_tick_period(void)
{
	return max(msecs_to_jiffies(READ_ONCE(ai_sched_tick_ms)), 1UL);
}

static void ai_sched_tick_fn(struct work_struct *work)
{
	unsigned int threads = 0;
	bool more;
	u64 t0, dt;

	mutex_lock(&ai_sched_lock);
	t0 = ktime_get_ns();
	tick_last_procs = ai_sched_nr_procs;
	ai_sched_update_all(-1, &threads);
	dt = ktime_get_ns() - t0;
	tick_last_ns = dt;
	tick_last_threads = threads;
	tick_max_ns = max(tick_max_ns, dt);
	tick_sum_ns += dt;
	tick_count++;
	more = ai_sched_nr_procs;
	mutex_unlock(&ai_sched_lock);

	if (more)
		schedule_delayed_work(&ai_sched_tick_work,
				      ai_sched_tick_period());
}

/* Something was registered: make sure the tick runs. */
void ai_sched_tick_kick(void)
{
	schedule_delayed_work(&ai_sched_tick_work, ai_sched_tick_period());
}

void ai_sched_tick_stop(void)
{
	cancel_delayed_work_sync(&ai_sched_tick_work);
}

void ai_sched_tick_show(struct seq_file *m)
{
	lockdep_assert_held(&ai_sched_lock);
	seq_printf(m, "Tick: period_ms %u ticks %llu last_us %llu max_us %llu avg_us %llu tasks %u threads %u\n",
		   READ_ONCE(ai_sched_tick_ms), tick_count,
		   div_u64(tick_last_ns, NSEC_PER_USEC),
		   div_u64(tick_max_ns, NSEC_PER_USEC),
		   tick_count ? div64_u64(tick_sum_ns, tick_count * NSEC_PER_USEC) : 0,
		   tick_last_procs, tick_last_threads);
}
