// SPDX-License-Identifier: GPL-2.0
/*
 * trace_duty.c - duty cycling: probes attached for duty_on_ms out of every
 * duty_period_ms, so that an always-on fleet pays for tracing a tenth (or
 * less) of the time.
 *
 * An attached probe costs a trap per call even when its program returns at
 * once, so between windows the probes are detached, not merely muted. The
 * window is what the BPF side counted: `paused` is cleared once every probe
 * is attached and set before the first is detached, and the time between
 * those two writes is the sampled time, however long attaching and
 * detaching take. A call counts when it enters inside the window.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "trace_priv.h"
#include "gpu_tracer.skel.h"

void gt_duty_start(struct gt_tracer *t)
{
	double now = gt_now_s();

	t->window_start = t->open_at = now;	/* the first window: open already */
	t->window_s = 0;
	t->started = now;
	t->sampled_s = 0;
	t->last_open = now;
	t->last_len = 0;
	__atomic_store_n(&t->skel->bss->paused, 0, __ATOMIC_RELEASE);
	if (t->duty_period_ms)
		t->next_toggle = now + t->duty_on_ms / 1e3;
}

static void open_window(struct gt_tracer *t)
{
	double t0 = gt_now_s();
	size_t i;

	/*
	 * The window just past, with the pause after it, is one whole period:
	 * its calls stand for that period's, scaled by its measured length
	 * over the window's. Each call is seen with the same chance, ON over
	 * PERIOD, whenever it comes: the estimate is unbiased for a process
	 * that lives any part of the time. (One scale for all time, taken at
	 * a sample, would be off by up to a period's worth: high just before
	 * a window, low just after one.)
	 */
	if (t->last_len > 0)
		gt_duty_account(t, (t0 - t->last_open) / t->last_len);
	for (i = 0; i < t->ntargets; i++)
		gt_target_attach(t, &t->targets[i]);	/* a failure retries next window */
	t->attached = true;
	t->window_start = t->open_at = gt_now_s();
	t->last_open = t0;
	t->attach_ms = (t->window_start - t0) * 1e3;
	/* Starts left from the last window are stale from now on. */
	__atomic_store_n(&t->skel->bss->window, t->skel->bss->window + 1, __ATOMIC_RELEASE);
	__atomic_store_n(&t->skel->bss->paused, 0, __ATOMIC_RELEASE);
}

static void close_window(struct gt_tracer *t)
{
	double t0;

	__atomic_store_n(&t->skel->bss->paused, 1, __ATOMIC_RELEASE);
	t0 = gt_now_s();
	t->window_s += t0 - t->window_start;
	t->last_len = t0 - t->open_at;	/* window_start moves with each sample */
	t->attached = false;
	gt_detach_all(t);
	t->detach_ms = (gt_now_s() - t0) * 1e3;
}

/*
 * A window lasts ON from when it is open, however late the caller came;
 * the next opens PERIOD after this one did, or at once if that is past
 * (a toggle that took longer than the pause, a caller that slept).
 */
double gt_duty_step(struct gt_tracer *t, double now)
{
	if (!t->duty_period_ms)
		return INFINITY;
	if (now >= t->next_toggle) {
		if (t->attached) {
			close_window(t);
			t->next_toggle = t->last_open + t->duty_period_ms / 1e3;
		} else {
			open_window(t);
			t->next_toggle = t->open_at + t->duty_on_ms / 1e3;
		}
		now = gt_now_s();
		if (t->next_toggle < now)
			t->next_toggle = now;
	}
	return t->next_toggle - now;
}

double gt_duty_take_window(struct gt_tracer *t, double now)
{
	double w = t->window_s;

	if (t->attached) {
		w += now - t->window_start;
		t->window_start = now;
	}
	t->window_s = 0;
	t->sampled_s += w;
	return w;
}

/* Time since the start over the time sampled (1 when always on). */
double gt_duty_scale(const struct gt_tracer *t, double now)
{
	double sampled = t->sampled_s + t->window_s;

	if (!t->duty_period_ms)
		return 1;
	if (t->attached)
		sampled += now - t->window_start;
	return sampled > 0 ? (now - t->started) / sampled : 0;
}

int gt_parse_duty(const char *s, unsigned int *on_ms, unsigned int *period_ms)
{
	unsigned long on, period;
	char *end;

	errno = 0;
	on = strtoul(s, &end, 10);
	if (errno || end == s || *end != '/')
		return -EINVAL;
	s = end + 1;
	period = strtoul(s, &end, 10);
	if (errno || end == s || *end || !on || on > period || period > 3600000)
		return -EINVAL;
	*on_ms = on;
	*period_ms = period;
	return 0;
}
