// SPDX-License-Identifier: GPL-2.0
/*
 * gpu_tracer.bpf.c - CPU-side latency of GPU launch and sync calls.
 *
 * gt_enter runs as a uprobe at the start of each traced function (CUDA
 * driver, CUDA runtime, HIP), gt_exit as its uretprobe. User space attaches
 * the same two programs once per function and file, with the function's
 * enum gt_api as the BPF cookie, and reads the per-(process, API)
 * histograms from the `hists` map. gt_exec tells user space about each
 * exec, so that it can look at the new program for a static copy of the
 * CUDA runtime before the program gets far.
 *
 * Only the user-space register file (struct pt_regs from the uapi headers)
 * and helpers are touched, no kernel structure (the task pointer goes
 * straight back to the task-storage helper): the object needs no
 * relocation and loads unchanged on any kernel with BPF cookies (5.15+)
 * and BTF, which task storage needs.
 */
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "gpu_tracer.h"

/*
 * The calls in flight, one per thread and layer, in the thread's own BPF
 * storage: no hashing on the hot path, nothing to delete on return (ts_ns
 * = 0 marks a slot done), and the kernel frees it with the thread, so no
 * table can fill.
 * The task pointer is opaque here; the verifier knows its type from the
 * kernel's BTF.
 */
struct task_struct;

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct gt_starts);
} starts SEC(".maps");

/*
 * Cumulative histograms; user space diffs successive reads and deletes the
 * entries of processes that have exited. Not preallocated: a value is 1.3 KiB
 * and most slots of the table stay unused.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2048);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct gt_key);
	__type(value, struct gt_hist);
} hists SEC(".maps");

/*
 * The one process whose calls are ours: with -p the traced process, while
 * calibrating the tracer itself (set by user space before loading). The
 * entry probes are attached for that process alone, but a return probe can
 * run for any process that hits the same breakpoint for another tracer's
 * sake (6.1 does not filter returns by process): another `ai_monitor
 * trace` calibrating at the same moment, say. Those returns are not ours to
 * count as lost.
 */
const volatile __u32 targ_tgid = 0;
const volatile __u32 self_tgid = 0;
/* Duty cycled: a return without its entry is by design, not a loss. */
const volatile __u32 duty = 0;

/* Written with atomic adds here, read through the mmapped .bss. */
struct gt_drops drops = {};
__u64 exec_lost = 0;

/*
 * Duty-cycled mode: user space sets `paused` (through the mmapped .bss)
 * just before it detaches the probes and clears it just after it has
 * attached them all, so the sampled window is exactly the time `paused` was
 * clear, whatever attaching and detaching cost. A call is counted when it
 * entered inside the window.
 */
__u32 paused = 0;
/* Which window: a start from an earlier one is stale, never paired. */
__u32 window = 0;

/* Pids of processes that have just exec'd, for user space to inspect. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);	/* 4096 events (16 bytes each) between polls */
} execs SEC(".maps");

/* Template for a new histogram (too big for the 512-byte BPF stack). */
static const struct gt_hist zero_hist = {};

/*
 * The thread's start slot for the layer in @cookie (gt_cookie()): one per
 * layer, so that a runtime call timing the driver call it makes keeps its
 * own start.
 */
static __always_inline struct gt_start *slot_of(struct gt_starts *ss, __u64 cookie)
{
	__u32 layer = cookie >> GT_COOKIE_LAYER_SHIFT;

	if (!ss || layer > GT_LAYERS)
		return NULL;
	return &ss->s[layer];
}

static __always_inline int on_enter(struct pt_regs *ctx)
{
	__u64 cookie = bpf_get_attach_cookie(ctx);
	struct gt_starts *ss;
	struct gt_start *s;

	if (paused)
		return 0;
	ss = bpf_task_storage_get(&starts, bpf_get_current_task_btf(), 0,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	s = slot_of(ss, cookie);
	if (!s) {
		/* No memory, or the storage busy under us (a probe in its code). */
		__sync_fetch_and_add(&drops.start_full, 1);
		return 0;
	}
	/* A nested call in one layer, or a call of this window that never returned. */
	if (s->ts_ns && s->window == window)
		__sync_fetch_and_add(&drops.overwritten, 1);
	s->api = cookie & GT_COOKIE_API_MASK;
	s->window = window;
	s->ts_ns = bpf_ktime_get_ns();
	return 0;
}

static __always_inline int on_exit(struct pt_regs *ctx, long rc)
{
	__u64 now = bpf_ktime_get_ns(), cookie = bpf_get_attach_cookie(ctx);
	struct gt_key key = { .tgid = bpf_get_current_pid_tgid() >> 32 };
	struct gt_start *s;
	struct gt_hist *h;
	__u64 slot, delta;
	__u32 ours;

	ours = (cookie & GT_COOKIE_API_MASK) == GT_CALIBRATE ? self_tgid : targ_tgid;
	if (ours && key.tgid != ours)
		return 0;
	s = slot_of(bpf_task_storage_get(&starts, bpf_get_current_task_btf(), 0, 0), cookie);
	if (!s || !s->ts_ns) {
		/*
		 * Duty cycling: a call that entered between windows, returning
		 * while the probes come or go, was never ours to count.
		 */
		if (!duty)
			__sync_fetch_and_add(&drops.no_start, 1);
		return 0;
	}
	if (s->window != window) {
		/* Entered in an earlier window and returned after its probes left. */
		s->ts_ns = 0;
		return 0;
	}
	delta = now - s->ts_ns;
	key.api = s->api;
	s->ts_ns = 0;

	h = bpf_map_lookup_elem(&hists, &key);
	if (!h) {
		bpf_map_update_elem(&hists, &key, &zero_hist, BPF_NOEXIST);
		h = bpf_map_lookup_elem(&hists, &key);
		if (!h) {
			__sync_fetch_and_add(&drops.hist_full, 1);
			return 0;
		}
		bpf_get_current_comm(h->comm, sizeof(h->comm));
	}
	/*
	 * gt_slot() never exceeds GT_SLOTS - 1, but the verifier must see the
	 * bound on the very register used as the index: barrier_var() stops
	 * the compiler from checking one copy and indexing with another, which
	 * 6.1's verifier rejects.
	 */
	slot = gt_slot(delta);
	barrier_var(slot);
	if (slot >= GT_SLOTS)
		return 0;
	/* No count: user space sums the slots. */
	__sync_fetch_and_add(&h->slots[slot], 1);
	__sync_fetch_and_add(&h->sum_ns, delta);
	/* CUresult, cudaError_t and hipError_t are enums (int); success is 0. */
	if ((int)rc)
		__sync_fetch_and_add(&h->errors, 1);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(gt_enter)
{
	return on_enter(ctx);
}

SEC("uretprobe")
int BPF_KRETPROBE(gt_exit, long rc)
{
	return on_exit(ctx, rc);
}

/*
 * The same two, for multi-uprobe links (6.6+): one link carries every
 * function of a file, and detaching it waits for one grace period instead
 * of one per probe, which is what makes duty cycling cheap. User space sets
 * their attach type before loading, and does not load them where the
 * kernel has no such links (libbpf 1.1 knows no "uprobe.multi" section).
 */
SEC("uprobe")
int BPF_KPROBE(gt_enter_multi)
{
	return on_enter(ctx);
}

SEC("uretprobe")
int BPF_KRETPROBE(gt_exit_multi, long rc)
{
	return on_exit(ctx, rc);
}

/*
 * A raw tracepoint: attached by name, with no tracefs mounted. It needs no
 * argument: the task exec'ing is the current one.
 */
SEC("raw_tp/sched_process_exec")
int gt_exec(void *ctx)
{
	__u32 *tgid = bpf_ringbuf_reserve(&execs, sizeof(*tgid), 0);

	if (!tgid) {
		__sync_fetch_and_add(&exec_lost, 1);
		return 0;
	}
	*tgid = bpf_get_current_pid_tgid() >> 32;
	bpf_ringbuf_submit(tgid, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
