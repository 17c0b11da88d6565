// SPDX-License-Identifier: GPL-2.0
/*
 * ai_monitor agent: closes the loop. Every interval it measures each GPU and
 * tells ai_sched (AI_SCHED_IOC_SET_GPU_UTIL), so that the kernel boosts the
 * registered feeders while the GPU waits for them and relaxes them while it
 * is saturated. Optionally it registers processes itself: those the tracer
 * sees launching CUDA work (--auto-register) and those with a given name
 * (--match), as persistent registrations (AI_SCHED_REG_PERSIST: it closes
 * the device between batches) that it takes back when it exits. With
 * --prometheus it serves /metrics from the same loop, including the
 * per-process GPU busy time a source gives. With --group-nice it also
 * raises the scheduling group (cpu cgroup or autogroup) of each process
 * ai_sched holds boosted, which a nice alone cannot do (sched/group_lever.h).
 *
 * When it cannot measure, it says nothing: ai_sched then sees the figure go
 * stale and falls back to its unknown_boost policy. Losing the module, the
 * GPU or the driver is logged once and retried every interval.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <linux/ai_sched.h>

#include "ai_monitor.h"
#include "group_lever.h"
#include "prom.h"
#include "sched_dev.h"
#include "snapshot.h"

#define AG_TRACK	64
#define AG_MATCH	16
#define MS		1000000ull

static const char agent_usage[] =
	"usage: ai_monitor agent [options]\n"
	"  -i, --interval MS        push period (100)\n"
	"  -a, --auto-register      register processes the tracer sees launching CUDA work\n"
	"  -m, --match NAME,...     register processes with exactly these names (comm)\n"
	"      --idle MS            unregister auto-registered processes quiet this long (3000)\n"
	"  -n, --nice N             boost nice for processes the agent registers (-5)\n"
	"  -g, --gpu N              GPU for them when no source says which (0)\n"
	"  -p, --prometheus ADDR:PORT  serve /metrics (a bare PORT binds 127.0.0.1)\n"
	"      --duty ON/PERIOD     trace launches ON ms of every PERIOD ms, counts scaled\n"
	"                           up (say 100/1000: a tenth of the cost; always on if unset)\n"
	"      --group-nice N       while ai_sched boosts a process, give its cpu cgroup (and\n"
	"                           each ancestor) or its autogroup the weight of nice N (off)\n"
	"      --group-budget CPUS  a raised group using more CPU than this is lowered (1.0)\n"
	"      --group-self         also for processes that registered themselves (only\n"
	"                           CAP_SYS_NICE registrations otherwise)\n"
	"      --group-journal FILE where raised groups are written down (/run/ai_monitor/groups)\n"
	"      --restore            put back what a killed agent left raised, and exit\n"
	"  -v, --verbose            log every registration change and push error\n"
	COMMON_USAGE
	"  -h, --help               this text\n";

struct tracked {
	pid_t pid;
	int by_match;			/* registered for --match, not for launching */
	int generation;			/* device generation it was registered under */
	unsigned long tick;		/* when: the table read then cannot show it yet */
	uint64_t last_active;
};

/* A registration that failed is not retried (nor logged) for a while. */
#define AG_RETRY_MS	5000

struct refused {
	pid_t pid;
	uint64_t until;
};

struct agent {
	struct mon_roots roots;
	unsigned int interval_ms;
	unsigned int duty_on_ms, duty_period_ms;	/* --duty; 0: always on */
	unsigned int idle_ms;
	int auto_register;
	int nice;
	unsigned int default_gpu;
	int verbose;
	const char *prom_addr;
	int nmatch;
	char *match[AG_MATCH];

	struct sched_dev dev;
	struct gpu_ctx *gpu;
	struct launch_stats ls;
	int tracing;
	struct snapshot *snap;
	struct agent_metrics am;
	struct group_lever gl;
	int group_self;			/* --group-self */
	int lfd;

	int ntracked;
	struct tracked tracked[AG_TRACK];
	int nrefused;
	struct refused refused[AG_TRACK];

	/* Last logged states, so that each change is logged once. */
	int dev_err;
	int push_err;
	int gpu_state;			/* -1: none yet, else nr_gpus */
	const char *gpu_source;
	unsigned long tick;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

/* stderr, with a syslog priority prefix that journald understands. */
static void __attribute__((format(printf, 2, 3))) logmsg(int prio, const char *fmt, ...)
{
	static int journal = -1;
	va_list ap;

	if (journal < 0)
		journal = getenv("JOURNAL_STREAM") != NULL;
	if (journal)
		fprintf(stderr, "<%d>", prio);
	else
		fputs("ai_monitor agent: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int parse_match(struct agent *ag, char *list)
{
	char *save, *name;

	for (name = strtok_r(list, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		/* A comm is at most 15 bytes: a longer name can never match. */
		if (!*name || strlen(name) > 15 || ag->nmatch == AG_MATCH)
			return -EINVAL;
		ag->match[ag->nmatch++] = name;
	}
	return ag->nmatch ? 0 : -EINVAL;
}

static struct tracked *find_tracked(struct agent *ag, pid_t pid)
{
	int i;

	for (i = 0; i < ag->ntracked; i++)
		if (ag->tracked[i].pid == pid)
			return &ag->tracked[i];
	return NULL;
}

static void forget(struct agent *ag, struct tracked *t)
{
	*t = ag->tracked[--ag->ntracked];
	ag->am.registered = ag->ntracked;
}

/* The row of pid in the /proc/ai_scheduler task table, or -1. */
static int sched_row(const struct snapshot *s, pid_t pid)
{
	const struct sched_view *v = &s->sched;
	long p;
	int r;

	if (!v->tasks || v->col_pid < 0)
		return -1;
	for (r = 0; r < v->tasks->nrows; r++)
		if (!parse_int(v->tasks->cell[r][v->col_pid], 1, INT_MAX, &p) && p == pid)
			return r;
	return -1;
}

/*
 * Name matches come from --proc-root; launchers come from the tracer, which
 * always sees the real system.
 */
static int process_exists(const struct agent *ag, const struct tracked *t)
{
	char path[PATH_MAX];

	if (!t->by_match)
		return !kill(t->pid, 0) || errno != ESRCH;
	pathf(path, sizeof(path), "%s/%d", ag->roots.proc, t->pid);
	return !access(path, F_OK);
}

/* The GPU a source saw the process on, else the default. */
static unsigned int gpu_of(const struct agent *ag, pid_t pid)
{
	int i;

	for (i = 0; i < ag->snap->gpu.nr_procs; i++)
		if (ag->snap->gpu.proc[i].pid == pid)
			return ag->snap->gpu.proc[i].gpu;
	return ag->default_gpu;
}

/* Nothing since last for idle_ms; a last later than now is not quiet. */
static int quiet(uint64_t now, uint64_t last, unsigned int idle_ms)
{
	return now > last && now - last >= idle_ms * MS;
}

static void try_register(struct agent *ag, pid_t pid, int by_match, uint64_t now)
{
	struct tracked *t = find_tracked(ag, pid);
	int err, i;

	if (t) {
		t->last_active = now;
		return;
	}
	/* Registered by itself or by someone else: theirs to manage, not ours. */
	if (sched_row(ag->snap, pid) >= 0 || ag->ntracked == AG_TRACK)
		return;
	for (i = 0; i < ag->nrefused; i++) {
		if (ag->refused[i].pid != pid)
			continue;
		if (now < ag->refused[i].until)
			return;
		ag->refused[i--] = ag->refused[--ag->nrefused];
	}
	err = sched_dev_register(&ag->dev, pid, ag->nice, gpu_of(ag, pid),
				 AI_SCHED_REG_PERSIST);
	if (err) {
		if (ag->verbose || (err != -ESRCH && err != -EBUSY))
			logmsg(LOG_WARNING, "cannot register pid %d: %s; next try in %d s", pid,
			       strerror(-err), AG_RETRY_MS / 1000);
		if (ag->nrefused < AG_TRACK) {
			ag->refused[ag->nrefused].pid = pid;
			ag->refused[ag->nrefused++].until = now + AG_RETRY_MS * MS;
		}
		return;
	}
	t = &ag->tracked[ag->ntracked++];
	t->pid = pid;
	t->by_match = by_match;
	t->generation = ag->dev.generation;
	t->tick = ag->tick;
	t->last_active = now;
	ag->am.registered = ag->ntracked;
	ag->am.registrations++;
	logmsg(LOG_INFO, "registered pid %d (%s) nice %d gpu %u", pid,
	       by_match ? "name match" : "launching CUDA work", ag->nice, gpu_of(ag, pid));
}

/* Exact comm matches among all processes. */
static void scan_names(struct agent *ag, uint64_t now)
{
	char path[PATH_MAX], comm[32];
	struct dirent *de;
	DIR *dir;
	int i;

	dir = opendir(ag->roots.proc);
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		long pid;
		ssize_t n;

		if (parse_int(de->d_name, 1, INT_MAX, &pid))
			continue;
		pathf(path, sizeof(path), "%s/%s/comm", ag->roots.proc, de->d_name);
		n = read_file(path, comm, sizeof(comm));
		if (n <= 0)
			continue;
		if (comm[n - 1] == '\n')
			comm[n - 1] = '\0';
		for (i = 0; i < ag->nmatch; i++)
			if (!strcmp(comm, ag->match[i]))
				try_register(ag, pid, 1, now);
	}
	closedir(dir);
}

static void registrations(struct agent *ag, uint64_t now)
{
	int i;

	/* A new module knows nothing of ours: register them again. */
	for (i = 0; i < ag->ntracked; i++) {
		struct tracked *t = &ag->tracked[i];
		int err;

		if (t->generation == ag->dev.generation)
			continue;
		err = sched_dev_register(&ag->dev, t->pid, ag->nice, gpu_of(ag, t->pid),
					 AI_SCHED_REG_PERSIST);
		if (err) {
			forget(ag, t);
			i--;
			continue;
		}
		t->generation = ag->dev.generation;
		t->tick = ag->tick;
		ag->am.registrations++;
		logmsg(LOG_INFO, "registered pid %d again (ai_sched was reloaded)", t->pid);
	}

	if (ag->tracing)
		for (i = 0; i < ag->ls.nprocs; i++) {
			const struct ls_proc *p = &ag->ls.procs[i];

			if (p->last_launch && !quiet(now, p->last_launch, ag->idle_ms))
				try_register(ag, p->pid, 0, p->last_launch);
		}
	/* Names: twice a second is plenty, and keeps the walk cheap. */
	if (ag->nmatch && ag->tick % ((500 + ag->interval_ms - 1) / ag->interval_ms) == 0)
		scan_names(ag, now);

	for (i = 0; i < ag->ntracked; i++) {
		struct tracked *t = &ag->tracked[i];
		int err;

		if (!process_exists(ag, t)) {
			/* ai_sched drops the dead by itself. */
			if (ag->verbose)
				logmsg(LOG_INFO, "pid %d exited", t->pid);
			forget(ag, t);
			i--;
			continue;
		}
		if (t->tick < ag->tick && ag->snap->sched.loaded && sched_row(ag->snap, t->pid) < 0) {
			/* Someone unregistered it behind our back: respect that. */
			logmsg(LOG_NOTICE, "pid %d was unregistered by someone else", t->pid);
			forget(ag, t);
			i--;
			continue;
		}
		if (t->by_match || !quiet(now, t->last_active, ag->idle_ms))
			continue;
		err = sched_dev_unregister(&ag->dev, t->pid);
		if (err && err != -ENOENT && err != -ESRCH)
			logmsg(LOG_WARNING, "cannot unregister pid %d: %s", t->pid, strerror(-err));
		logmsg(LOG_INFO, "unregistered pid %d (quiet)", t->pid);
		ag->am.unregistrations++;
		forget(ag, t);
		i--;
	}
}

/*
 * Per-process GPU busy time of the registered processes, for the agent's own
 * /metrics (ai_agent_task_gpu_busy_seconds_total): the source's running
 * total (fdinfo), else integrated from per-process shares (NVML). The kernel
 * never acted on it, so ABI v2 does not carry it.
 */
static void task_gpu(struct agent *ag, uint64_t elapsed_ns)
{
	const struct gpu_sample *g = &ag->snap->gpu;
	struct agent_metrics *am = &ag->am;
	int i, j;

	for (i = 0; i < g->nr_procs; i++) {
		struct agent_task_busy *b = NULL;

		if (sched_row(ag->snap, g->proc[i].pid) < 0)
			continue;
		for (j = 0; j < am->nbusy; j++)
			if (am->busy[j].pid == g->proc[i].pid)
				b = &am->busy[j];
		if (!b) {
			if (am->nbusy == AGENT_BUSY_MAX)
				continue;
			b = &am->busy[am->nbusy++];
			b->pid = g->proc[i].pid;
			b->busy_ns = 0;
		}
		if (g->proc[i].busy_ns)
			b->busy_ns = g->proc[i].busy_ns;
		else
			b->busy_ns += elapsed_ns * g->proc[i].util / 100;
	}
	/* Forget the processes ai_sched no longer lists. */
	for (j = 0; j < am->nbusy; j++)
		if (sched_row(ag->snap, am->busy[j].pid) < 0)
			am->busy[j--] = am->busy[--am->nbusy];
}

static void log_gpu_changes(struct agent *ag)
{
	const struct gpu_sample *g = &ag->snap->gpu;

	if (g->nr_gpus == ag->gpu_state && g->source == ag->gpu_source)
		return;
	if (g->nr_gpus)
		logmsg(LOG_NOTICE, "%d GPU%s from %s", g->nr_gpus, g->nr_gpus == 1 ? "" : "s",
		       g->source);
	else
		logmsg(LOG_WARNING, "%s; nothing to push, ai_sched will see the figures go stale",
		       g->why[0] ? g->why : "no GPU");
	ag->gpu_state = g->nr_gpus;
	ag->gpu_source = g->source;
}

static void push(struct agent *ag)
{
	const struct gpu_sample *g = &ag->snap->gpu;
	int i, err = 0, e;

	for (i = 0; i < g->nr_gpus; i++) {
		/* Unknown is not zero: say nothing and let it go stale. */
		if (g->dev[i].util < 0)
			continue;
		e = sched_dev_set_util(&ag->dev, i, g->dev[i].util);
		if (e) {
			err = e;
			ag->am.push_errors++;
		} else {
			ag->am.pushes++;
		}
	}
	if (err != ag->push_err && (err || ag->push_err))
		logmsg(err ? LOG_ERR : LOG_NOTICE, "pushing utilisation to %s: %s",
		       ag->dev.path, err ? strerror(-err) : "working again");
	ag->push_err = err;
}

/*
 * The group lever follows ai_sched's own decision: the processes it lists
 * as boosted (the GPU is under-fed; unknown or saturated: none). Only those
 * registered with CAP_SYS_NICE (persistent: the agent's own, or an
 * administrator's), unless --group-self: a group weight is more than any
 * user may set for itself (an autogroup's nice past RLIMIT_NICE, a parent
 * cgroup no user owns), so a self-registration does not earn it by default.
 */
static void group_lever(struct agent *ag, int loaded)
{
	static const char *const k_reg[] = { "REG", NULL };
	const struct sched_view *v = &ag->snap->sched;
	pid_t boosted[PF_ROWS];
	int r, n = 0, col_reg;
	long pid;

	if (ag->gl.nice == GL_OFF)
		return;
	col_reg = v->tasks ? pf_col(v->tasks, k_reg) : -1;
	if (loaded && v->tasks && v->col_pid >= 0 && v->col_state >= 0 && col_reg >= 0)
		for (r = 0; r < v->tasks->nrows; r++)
			if (!strcmp(v->tasks->cell[r][v->col_state], "boosted") &&
			    (ag->group_self || !strcmp(v->tasks->cell[r][col_reg], "persist")) &&
			    !parse_int(v->tasks->cell[r][v->col_pid], 1, INT_MAX, &pid))
				boosted[n++] = pid;
	gl_update(&ag->gl, boosted, n, now_ns());
	ag->am.groups_raised = gl_raised(&ag->gl);
	ag->am.group_raises = ag->gl.raises;
	ag->am.group_restores = ag->gl.restores;
	ag->am.group_left_alone = ag->gl.left_alone;
	ag->am.group_over_budget = ag->gl.over_budget;
}

static void tick(struct agent *ag, uint64_t now, uint64_t elapsed)
{
	char path[PATH_MAX];
	int err;

	gpu_sample(ag->gpu, &ag->snap->gpu);
	log_gpu_changes(ag);
	if (ag->tracing) {
		ls_service(&ag->ls);
		ls_update(&ag->ls);
	}

	err = sched_dev_open(&ag->dev);
	if (err != ag->dev_err) {
		if (err)
			logmsg(LOG_WARNING, "%s: %s; retrying every %u ms", ag->dev.path,
			       strerror(-err), ag->interval_ms);
		else
			logmsg(LOG_NOTICE, "%s: open", ag->dev.path);
		ag->dev_err = err;
	}
	ag->am.sched_dev_up = !err;
	if (err) {
		/* No ai_sched, no boost: no group stays raised. */
		group_lever(ag, 0);
		return;
	}

	push(ag);
	if (ag->tracing || ag->nmatch || ag->ntracked || ag->snap->gpu.nr_procs ||
	    ag->gl.nice != GL_OFF) {
		pathf(path, sizeof(path), "%s/ai_scheduler", ag->roots.proc);
		pf_read(path, &ag->snap->sched_file);
		sched_view_of(&ag->snap->sched_file, &ag->snap->sched);
		/* The tracer's time stamps are from just now: compare with later. */
		registrations(ag, now_ns());
		task_gpu(ag, elapsed);
		group_lever(ag, ag->snap->sched.loaded);
	}
	sched_dev_close(&ag->dev);
}

static void serve(struct agent *ag)
{
	char *body = NULL;
	size_t len = 0;
	FILE *f;

	snapshot_read(ag->snap, NULL, &ag->roots);
	ag->snap->ls = ag->tracing ? &ag->ls : NULL;
	f = open_memstream(&body, &len);
	if (!f)
		return;
	prom_render(f, ag->snap, &ag->am);
	if (fclose(f)) {
		free(body);
		return;
	}
	prom_serve(ag->lfd, body, len);
	free(body);
}

static void unregister_all(struct agent *ag)
{
	int i;

	if (!ag->ntracked || sched_dev_open(&ag->dev))
		return;
	for (i = 0; i < ag->ntracked; i++)
		if (!sched_dev_unregister(&ag->dev, ag->tracked[i].pid))
			logmsg(LOG_INFO, "unregistered pid %d (agent exiting)", ag->tracked[i].pid);
	sched_dev_close(&ag->dev);
	ag->ntracked = 0;
}

static int run(struct agent *ag)
{
	uint64_t next = now_ns(), last = next;

	logmsg(LOG_NOTICE, "pushing GPU utilisation to %s every %u ms%s%s", ag->dev.path,
	       ag->interval_ms, ag->tracing ? ", auto-registering CUDA launchers" : "",
	       ag->nmatch ? ", registering by name" : "");
	while (!stop) {
		struct pollfd pfd = { .fd = ag->lfd, .events = POLLIN };
		uint64_t now = now_ns();
		int timeout;

		if (now >= next) {
			tick(ag, now, now - last);
			ag->tick++;
			last = now;
			next += ag->interval_ms * MS;
			/* Late by more than a period (suspend, stop): do not catch up. */
			if (next <= now)
				next = now + ag->interval_ms * MS;
			continue;
		}
		timeout = (next - now + MS - 1) / MS;
		/* The tracer's duty windows open and close on time, not on ticks. */
		if (ag->tracing) {
			double w = ls_service(&ag->ls) * 1e3;

			if (w < timeout)
				timeout = (int)w + 1;
		}
		if (poll(&pfd, ag->lfd >= 0, timeout) > 0)
			serve(ag);
	}
	logmsg(LOG_NOTICE, "exiting");
	unregister_all(ag);
	gl_release(&ag->gl);
	return 0;
}

int cmd_agent(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "auto-register", no_argument, NULL, 'a' },
		{ "match", required_argument, NULL, 'm' },
		{ "idle", required_argument, NULL, 'I' },
		{ "nice", required_argument, NULL, 'n' },
		{ "gpu", required_argument, NULL, 'g' },
		{ "prometheus", required_argument, NULL, 'p' },
		{ "duty", required_argument, NULL, 'D' },
		{ "group-nice", required_argument, NULL, 'G' },
		{ "group-budget", required_argument, NULL, 'B' },
		{ "group-journal", required_argument, NULL, 'J' },
		{ "restore", no_argument, NULL, 'R' },
		{ "group-self", no_argument, NULL, 'S' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct sigaction sa = { .sa_handler = on_signal };
	struct agent *ag;
	int c, ret, restore = 0;
	const char *journal;
	char err[256], *end;
	long v;

	ag = calloc(1, sizeof(*ag));
	if (!ag)
		return 1;
	mon_roots_default(&ag->roots);
	ag->interval_ms = 100;
	ag->idle_ms = 3000;
	ag->nice = -5;
	ag->lfd = -1;
	ag->gpu_state = -1;
	ag->gl.nice = GL_OFF;
	ag->gl.budget = 1.0;
	journal = gl_default_journal();
	while ((c = getopt_long(argc, argv, "i:am:n:g:p:vh", longopts, NULL)) != -1) {
		if (common_option(c, optarg, &ag->roots))
			continue;
		switch (c) {
		case 'i':
			if (parse_int(optarg, 10, 60000, &v))
				goto bad_value;
			ag->interval_ms = v;
			break;
		case 'I':
			if (parse_int(optarg, 1, 3600000, &v))
				goto bad_value;
			ag->idle_ms = v;
			break;
		case 'a':
			ag->auto_register = 1;
			break;
		case 'm':
			if (parse_match(ag, optarg))
				goto bad_value;
			break;
		case 'n':
			if (parse_int(optarg, -20, 19, &v))
				goto bad_value;
			ag->nice = v;
			break;
		case 'g':
			if (parse_int(optarg, 0, GPU_MAX - 1, &v))
				goto bad_value;
			ag->default_gpu = v;
			break;
		case 'p':
			ag->prom_addr = optarg;
			break;
		case 'D':
			if (gt_parse_duty(optarg, &ag->duty_on_ms, &ag->duty_period_ms))
				goto bad_value;
			break;
		case 'G':
			if (parse_int(optarg, -20, 19, &v))
				goto bad_value;
			ag->gl.nice = v;
			break;
		case 'B':
			errno = 0;
			ag->gl.budget = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(ag->gl.budget >= 0.01) ||
			    ag->gl.budget > 4096)
				goto bad_value;
			break;
		case 'J':
			/* Absolute: the unit's --restore and the agent must agree. */
			if (optarg[0] != '/')
				goto bad_value;
			journal = optarg;
			break;
		case 'R':
			restore = 1;
			break;
		case 'S':
			ag->group_self = 1;
			break;
		case 'v':
			ag->verbose = 1;
			break;
		case 'h':
			fputs(agent_usage, stdout);
			free(ag);
			return 0;
		default:
			free(ag);
			return usage_error("agent", agent_usage, NULL);
		}
	}
	if (optind < argc) {
		ret = usage_error("agent", agent_usage, "unexpected argument '%s'", argv[optind]);
		free(ag);
		return ret;
	}

	/* First: a SIGTERM during the (slow) set-up must still end cleanly. */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/*
	 * Always first: what an agent killed before it could put back. With
	 * the lever on, a journal that cannot be read is fatal (nothing raised
	 * could be undone); with it off, only --restore cares.
	 */
	ag->gl.verbose = ag->verbose;
	ag->am.group_lever = ag->gl.nice != GL_OFF;
	ret = gl_init(&ag->gl, ag->roots.proc, journal, logmsg);
	if (restore || (ret && ag->gl.nice != GL_OFF)) {
		free(ag);
		return ret ? 1 : 0;
	}
	if (ag->gl.nice != GL_OFF)
		logmsg(LOG_NOTICE, "group lever: nice %d, budget %.2f CPUs, journal %s%s",
		       ag->gl.nice, ag->gl.budget, journal,
		       ag->gl.cgroot[0] ? "" : "; no cgroup2 mount (yet): autogroups only");

	ret = 1;
	sched_dev_init(&ag->dev, ag->roots.sched_dev);
	ag->snap = snapshot_new();
	ag->gpu = gpu_open(&ag->roots);
	if (!ag->snap || !ag->gpu)
		goto out;
	if (ag->prom_addr) {
		ag->lfd = prom_listen(ag->prom_addr, err, sizeof(err));
		if (ag->lfd < 0) {
			logmsg(LOG_ERR, "--prometheus %s", err);
			goto out;
		}
		logmsg(LOG_NOTICE, "serving http://%s/metrics", ag->prom_addr);
	}
	/* Launch histograms for /metrics, and who launches for --auto-register. */
	if (ag->auto_register || ag->prom_addr) {
		ls_open(&ag->ls, ag->duty_on_ms, ag->duty_period_ms);
		ag->tracing = ag->ls.tracer != NULL;
		if (!ag->tracing)
			logmsg(ag->auto_register ? LOG_ERR : LOG_WARNING, "%s%s", ag->ls.why,
			       ag->auto_register ? "; --auto-register cannot work" : "");
	}
	ret = run(ag);
out:
	if (ag->lfd >= 0)
		close(ag->lfd);
	ls_close(&ag->ls);
	gpu_close(ag->gpu);
	free(ag->snap);
	free(ag);
	return ret;

bad_value:
	ret = usage_error("agent", agent_usage, "bad value '%s' for --%s", optarg,
			  c == 'i' ? "interval" : c == 'I' ? "idle" : c == 'm' ? "match" :
			  c == 'n' ? "nice" : c == 'D' ? "duty" : c == 'G' ? "group-nice" :
			  c == 'B' ? "group-budget" : c == 'J' ? "group-journal" : "gpu");
	free(ag);
	return ret;
}
