// SPDX-License-Identifier: GPL-2.0
/*
 * test_gpu_tracer - the CUDA launch tracer end to end, through trace_lib,
 * against the fixture libcuda.so.1 and cuda_app. Runs as root on the host's
 * kernel and inside the test VM.
 *
 * usage: test_gpu_tracer [LIBCUDA [CUDA_APP]]
 *   default: fakecuda/libcuda.so.1 and cuda_app next to this program (the
 *   build tree), else /usr/lib/x86_64-linux-gnu/libcuda.so.1 and /bin/cuda_app.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "trace_lib.h"

static char lib[PATH_MAX], app[PATH_MAX];

#define TMPDIR_MAX 256

/* Starts cuda_app with @args (NULL-terminated); pipes to its stdin/stdout if asked. */
static pid_t spawn(const char *const *args, int *in, int *out)
{
	const char *argv[32] = { app };
	int pi[2] = { -1, -1 }, po[2] = { -1, -1 };
	pid_t pid;
	int i;

	for (i = 0; args[i] && i < 30; i++)
		argv[i + 1] = args[i];
	if ((in && pipe(pi)) || (out && pipe(po)))
		return -1;
	pid = fork();
	if (pid == 0) {
		if (in)
			dup2(pi[0], 0);
		if (out)
			dup2(po[1], 1);
		execv(app, (char **)argv);
		_exit(127);
	}
	if (in) {
		close(pi[0]);
		*in = pi[1];
	}
	if (out) {
		close(po[1]);
		*out = po[0];
	}
	return pid;
}

static int reap(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Runs cuda_app to completion; its pid, or -1 if it failed. */
static pid_t run_app(const char *const *args)
{
	pid_t pid = spawn(args, NULL, NULL);

	if (pid < 0 || reap(pid)) {
		diag("cuda_app failed");
		return -1;
	}
	return pid;
}

static const struct gt_row *find(const struct gt_sample *s, pid_t pid, unsigned int api)
{
	size_t i;

	for (i = 0; i < s->nrows; i++)
		if (s->rows[i].pid == (__u32)pid && s->rows[i].api == api)
			return &s->rows[i];
	return NULL;
}

static __u64 count_of(const struct gt_sample *s, pid_t pid, unsigned int api)
{
	const struct gt_row *r = find(s, pid, api);

	return r ? r->count : 0;
}

static double est_of(const struct gt_sample *s, pid_t pid, unsigned int api)
{
	const struct gt_row *r = find(s, pid, api);

	return r ? r->est.calls : 0;
}

static __u64 count_pid(const struct gt_sample *s, pid_t pid)
{
	__u64 n = 0;
	size_t i;

	for (i = 0; i < s->nrows; i++)
		if (s->rows[i].pid == (__u32)pid)
			n += s->rows[i].count;
	return n;
}

static void fresh(struct gt_tracer *t)
{
	struct gt_sample s;

	if (!gt_tracer_sample(t, &s))
		gt_sample_free(&s);
}

static bool pick_paths(int argc, char **argv)
{
	char self[PATH_MAX], *dir;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n > 0) {
		self[n] = '\0';
		dir = dirname(self);
		snprintf(lib, sizeof(lib), "%s/fakecuda/libcuda.so.1", dir);
		snprintf(app, sizeof(app), "%s/cuda_app", dir);
	}
	if (n <= 0 || access(lib, R_OK)) {
		snprintf(lib, sizeof(lib), "/usr/lib/x86_64-linux-gnu/libcuda.so.1");
		snprintf(app, sizeof(app), "/bin/cuda_app");
	}
	if (argc > 1)
		snprintf(lib, sizeof(lib), "%s", argv[1]);
	if (argc > 2)
		snprintf(app, sizeof(app), "%s", argv[2]);
	return !access(lib, R_OK) && !access(app, X_OK);
}

static int copy_file(const char *from, const char *to)
{
	char buf[65536];
	ssize_t n;
	int in, out, err = 0;

	in = open(from, O_RDONLY);
	if (in < 0)
		return -1;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (out < 0) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			err = -1;
	close(in);
	close(out);
	return n < 0 ? -1 : err;
}

static bool same_inode(const char *a, const char *b)
{
	struct stat x, y;

	return !stat(a, &x) && !stat(b, &y) && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

#define N_EACH 40

static void test_counts(struct gt_tracer *t)
{
	const char *args[] = { "-a", "all", "-n", "40", "-l", lib, NULL };
	struct gt_sample s;
	unsigned int api, bad = 0;
	pid_t pid;

	fresh(t);
	pid = run_app(args);	/* started after the tracer */
	if (gt_tracer_sample(t, &s))
		return;
	/* The fixture is a driver library: the driver's functions, all of them. */
	for (api = 0; api < GT_CALIBRATE; api++) {
		if (gt_api_layer(api) != GT_LAYER_DRIVER)
			continue;
		if (count_of(&s, pid, api) != N_EACH) {
			diag("%s: %llu calls, want %d", gt_api_name(api),
			     count_of(&s, pid, api), N_EACH);
			bad++;
		}
	}
	ok(pid > 0 && !bad, "every entry point counted exactly (%d calls each, 11 functions)",
	   N_EACH);
	ok(pid > 0 && count_pid(&s, pid) == 11 * N_EACH,
	   "a process started after the tracer is traced, nothing more");
	ok(find(&s, pid, GT_STREAM_SYNC) && gt_api_is_sync(GT_STREAM_SYNC) &&
	   find(&s, pid, GT_LAUNCH_KERNEL) && !gt_api_is_sync(GT_LAUNCH_KERNEL),
	   "launches and syncs kept in separate histograms");
	ok(find(&s, pid, GT_LAUNCH_KERNEL) &&
	   !strcmp(find(&s, pid, GT_LAUNCH_KERNEL)->comm, "cuda_app"),
	   "rows carry the process name");
	is_int(s.dropped, 0, "no event dropped");
	gt_sample_free(&s);
}

static void test_two_processes(struct gt_tracer *t)
{
	const char *a1[] = { "-a", "cuLaunchKernelEx", "-n", "30", "-r", "3000", "-l", lib,
			     "-C", "first", NULL };
	const char *a2[] = { "-a", "cuLaunchKernelEx", "-n", "70", "-r", "3000", "-l", lib,
			     "-C", "second", NULL };
	pid_t p1, p2;
	struct gt_sample s;
	const struct gt_row *r1, *r2;

	fresh(t);
	p1 = spawn(a1, NULL, NULL);
	p2 = spawn(a2, NULL, NULL);
	if (p1 < 0 || p2 < 0 || reap(p1) || reap(p2)) {
		ok(0, "two concurrent processes ran");
		return;
	}
	if (gt_tracer_sample(t, &s))
		return;
	r1 = find(&s, p1, GT_LAUNCH_KERNEL_EX);
	r2 = find(&s, p2, GT_LAUNCH_KERNEL_EX);
	ok(r1 && r2 && r1->count == 30 && r2->count == 70,
	   "two concurrent processes kept apart (30 and 70 launches)");
	ok(r1 && r2 && !strcmp(r1->comm, "first") && !strcmp(r2->comm, "second"),
	   "each under its own name");
	gt_sample_free(&s);
}

static void test_buckets(struct gt_tracer *t)
{
	/* 1.65 ms: well inside the bucket [1572864, 1835008), far from its ends. */
	const char *args[] = { "-a", "cuLaunchKernel", "-n", "15", "-d", "1650000",
			       "-l", lib, "-T", "-M", NULL };
	const char *sargs[] = { "-a", "cuStreamSynchronize", "-n", "10", "-s", "3000000",
				"-l", lib, NULL };
	const char *fargs[] = { "-a", "cuGraphLaunch", "-n", "5", "-l", lib, NULL };
	long long median = -1;
	const struct gt_row *r;
	struct gt_sample s;
	char line[128] = "";
	unsigned int got, want;
	__u64 p50;
	pid_t pid;
	int out = -1;
	ssize_t n;

	fresh(t);
	pid = spawn(args, NULL, &out);
	n = pid > 0 ? read(out, line, sizeof(line) - 1) : -1;
	if (n > 0) {
		char *m = strstr(line, "median ");

		line[n] = '\0';
		if (m)
			median = atoll(m + 7);
	}
	if (out >= 0)
		close(out);
	if (pid < 0 || reap(pid) || median <= 0) {
		ok(0, "timed cuda_app ran and measured its calls (%s)", line);
		return;
	}
	if (gt_tracer_sample(t, &s))
		return;
	r = find(&s, pid, GT_LAUNCH_KERNEL);
	p50 = r ? gt_hist_percentile(r->slots, 50) : 0;
	/*
	 * The truth is what the caller saw: on a loaded machine (or under TCG)
	 * a 1.65 ms busy-wait can take longer, for the tracer and caller alike.
	 */
	got = gt_slot(p50);
	want = gt_slot(median);
	diag("1.65 ms launches: the caller measured a median of %lld ns, the tracer p50 %llu ns",
	     median, p50);
	ok(r && r->count == 15, "15 timed launches counted");
	ok(r && got + 1 >= want && got <= want + 1,
	   "p50 within one bucket of the truth [%llu, %llu)",
	   gt_slot_lo(want), gt_slot_hi(want));
	gt_sample_free(&s);

	pid = run_app(sargs);
	if (gt_tracer_sample(t, &s))
		return;
	r = find(&s, pid, GT_STREAM_SYNC);
	p50 = r ? gt_hist_percentile(r->slots, 50) : 0;
	ok(r && r->count == 10 && gt_slot(p50) >= gt_slot(3000000) - 1,
	   "sync histogram: 10 waits of 3 ms, p50 %llu ns", p50);
	ok(!count_of(&s, pid, GT_LAUNCH_KERNEL), "waits are not counted as launches");
	gt_sample_free(&s);

	setenv("FAKECUDA_RESULT", "1", 1);
	pid = run_app(fargs);
	unsetenv("FAKECUDA_RESULT");
	if (gt_tracer_sample(t, &s))
		return;
	r = find(&s, pid, GT_GRAPH_LAUNCH);
	ok(r && r->count == 5 && r->errors == 5, "failed launches counted as errors");
	gt_sample_free(&s);
}

/*
 * -p: a process whose library lives in a chroot; the tracer must find it
 * through /proc/PID/maps and trace that process only.
 */
static void test_pid_chroot(void)
{
	char tmpl[] = "/tmp/gt-chroot-XXXXXX", dir[TMPDIR_MAX], copy[TMPDIR_MAX + 16];
	char err[512], line[16];
	const char *found;
	const char *args[] = { "-a", "cuLaunchKernel", "-n", "25", "-l", copy, "-c", tmpl,
			       "-w", NULL };
	const char *other[] = { "-a", "cuLaunchKernel", "-n", "10", "-l", copy, NULL };
	struct gt_opts wide_opts = { .lib = copy };
	struct gt_tracer *t = NULL, *wide = NULL;
	struct gt_sample s;
	int in = -1, out = -1, rc;
	pid_t pid, p2;
	ssize_t n;

	if (!mkdtemp(tmpl)) {
		ok(0, "temporary chroot");
		return;
	}
	snprintf(dir, sizeof(dir), "%s/usr/lib/x86_64-linux-gnu", tmpl);
	snprintf(copy, sizeof(copy), "%s/libcuda.so.1", dir);
	for (char *p = dir + strlen(tmpl) + 1; (p = strchr(p, '/')); *p++ = '/') {
		*p = '\0';
		mkdir(dir, 0755);
	}
	mkdir(dir, 0755);
	if (copy_file(lib, copy)) {
		ok(0, "library copied into %s", dir);
		return;
	}
	pid = spawn(args, &in, &out);
	n = pid > 0 ? read(out, line, sizeof(line) - 1) : -1;
	if (n <= 0) {
		ok(0, "chrooted cuda_app ready");
		goto out;
	}
	rc = gt_tracer_open(&t, &(struct gt_opts){ .pid = pid }, err, sizeof(err));
	ok(!rc, "tracer attached to process %d only%s%s", pid, rc ? ": " : "", rc ? err : "");
	if (rc)
		goto out;
	found = gt_tracer_file(t, 0, NULL);
	ok(gt_tracer_nfiles(t) == 1 && same_inode(found, copy),
	   "-p finds the library the process mapped: %s", found ? found : "none");
	/*
	 * A system-wide tracer on the same file makes every process hit the
	 * breakpoints: the -p tracer must still see only its process.
	 */
	if (gt_tracer_open(&wide, &wide_opts, err, sizeof(err)))
		diag("second, system-wide tracer: %s", err);
	p2 = run_app(other);	/* same file, another process: not ours */
	if (write(in, "go\n", 3) != 3)
		diag("cannot start the traced process");
	close(in);
	in = -1;
	rc = reap(pid);
	pid = rc ? -1 : pid;
	if (!gt_tracer_sample(t, &s)) {
		ok(pid > 0 && count_of(&s, pid, GT_LAUNCH_KERNEL) == 25,
		   "its 25 launches counted");
		ok(p2 > 0 && !count_pid(&s, p2) && s.nrows == 1,
		   "another process using the same file is not");
		ok(wide && !s.dropped,
		   "nothing counted as lost for it, with a system-wide tracer beside (%llu)",
		   s.dropped);
		gt_sample_free(&s);
	}
out:
	gt_tracer_close(wide);
	gt_tracer_close(t);
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	if (pid > 0) {
		kill(pid, SIGKILL);
		reap(pid);
	}
	unlink(copy);
	for (char *p; (p = strrchr(dir, '/')) && strlen(dir) > strlen(tmpl); *p = '\0')
		rmdir(dir);
	rmdir(tmpl);
}

/*
 * -p on a process in a mount namespace of its own, whose library is on a
 * tmpfs we cannot see: found through /proc/PID/root.
 */
static void test_pid_namespace(void)
{
	char tmpl[] = "/tmp/gt-mntns-XXXXXX", err[512];
	char line[16];
	const char *args[] = { "-a", "cuLaunchKernel_ptsz", "-n", "12", "-l", lib,
			       "-m", tmpl, "-w", NULL };
	struct gt_tracer *t = NULL;
	struct gt_sample s;
	int in = -1, out = -1, rc;
	pid_t pid;

	if (!mkdtemp(tmpl)) {
		ok(0, "temporary mount point");
		return;
	}
	pid = spawn(args, &in, &out);
	if (pid < 0 || read(out, line, sizeof(line) - 1) <= 0) {
		ok(0, "cuda_app in its own mount namespace ready");
		goto out;
	}
	/* Its path, from our root, leads nowhere: only /proc/PID/... reaches it. */
	rc = gt_tracer_open(&t, &(struct gt_opts){ .pid = pid }, err, sizeof(err));
	ok(!rc && gt_tracer_nfiles(t) == 1 && access(gt_tracer_file(t, 0, NULL), F_OK),
	   "-p finds a library only the process's mount namespace sees%s%s",
	   rc ? ": " : "", rc ? err : "");
	if (write(in, "go\n", 3) != 3)
		diag("cannot start the traced process");
	rc = reap(pid);
	if (!rc && t && !gt_tracer_sample(t, &s)) {
		ok(count_of(&s, pid, GT_LAUNCH_KERNEL_PTSZ) == 12, "its 12 launches counted");
		gt_sample_free(&s);
	} else {
		ok(0, "its 12 launches counted");
	}
	pid = -1;
out:
	gt_tracer_close(t);
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	if (pid > 0) {
		kill(pid, SIGKILL);
		reap(pid);
	}
	rmdir(tmpl);
}

static void test_discovery(void)
{
	char found[PATH_MAX], why[256], err[512], dir[PATH_MAX];
	const char *saved = getenv("LD_LIBRARY_PATH");
	struct gt_tracer *t = NULL;
	int rc;

	snprintf(dir, sizeof(dir), "%s", lib);
	setenv("LD_LIBRARY_PATH", dirname(dir), 1);
	rc = gt_find_libcuda(found, sizeof(found), why, sizeof(why));
	ok(!rc && same_inode(found, lib), "found through LD_LIBRARY_PATH: %s", rc ? why : found);
	if (saved)
		setenv("LD_LIBRARY_PATH", saved, 1);
	else
		unsetenv("LD_LIBRARY_PATH");

	if (!access("/usr/lib/x86_64-linux-gnu/libcuda.so.1", R_OK)) {
		rc = gt_find_libcuda(found, sizeof(found), why, sizeof(why));
		ok(!rc, "found where the driver package puts it: %s", rc ? why : found);
	} else {
		skip("no libcuda.so.1 installed here", "found in the usual directories");
	}

	rc = gt_tracer_open(&t, &(struct gt_opts){ .lib = "/nonexistent/libcuda.so.1" },
			    err, sizeof(err));
	ok(rc == -ENOENT && strstr(err, "/nonexistent/libcuda.so.1"),
	   "missing --lib: ENOENT and the path named (%s)", err);
	gt_tracer_close(t);
	rc = gt_tracer_open(&t, &(struct gt_opts){ .pid = getpid() }, err, sizeof(err));
	ok(rc == -ENOENT && strstr(err, "has mapped no libcuda"),
	   "-p on a process without libcuda: %s", err);
	gt_tracer_close(t);
	rc = gt_tracer_open(&t, &(struct gt_opts){ .lib = "/proc/self/status" }, err,
			    sizeof(err));
	ok(rc < 0, "a file that is not a library: refused (%s)", err);
	gt_tracer_close(t);
	/* A library without the driver's functions: our fixture's app is an ELF file. */
	rc = gt_tracer_open(&t, &(struct gt_opts){ .lib = app }, err, sizeof(err));
	ok(rc == -ENOENT, "an ELF file without the driver's functions: refused (%s)", err);
	gt_tracer_close(t);
}

/*
 * Duty cycling on this kernel's links (multi-uprobe from 6.6, perf-event
 * pairs on 6.1): a steady 1000 calls/s for 3 s, probes on 100 ms of every
 * 400. The estimate must land within twice its 95% interval's half-width
 * (about 4 sigma of Poisson sampling; a steady rate does far better) plus
 * the ends' share, with far fewer calls seen than made.
 */
static void test_duty(double overhead_ns)
{
	const char *args[] = { "-a", "cuLaunchKernel", "-n", "3000", "-r", "1000", "-l", lib,
			       NULL };
	struct gt_opts o = { .lib = lib, .duty_on_ms = 100, .duty_period_ms = 400 };
	double est = 0, seen = 0, window = 0, elapsed = 0, att, det;
	struct gt_tracer *t;
	struct gt_sample s;
	char err[512];
	bool multi;
	pid_t pid;
	int i;

	if (gt_tracer_open(&t, &o, err, sizeof(err))) {
		ok(0, "duty: tracer opens (%s)", err);
		return;
	}
	pid = spawn(args, NULL, NULL);
	for (i = 0; i < 60 && pid > 0; i++) {
		gt_tracer_poll(t, 0.25);
		if (gt_tracer_sample(t, &s))
			break;
		est += est_of(&s, pid, GT_LAUNCH_KERNEL);
		seen += count_of(&s, pid, GT_LAUNCH_KERNEL);
		window += s.window_s;
		elapsed += s.interval_s;
		gt_sample_free(&s);
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			/* Its last report: it has exited, so its estimate is settled. */
			if (!gt_tracer_sample(t, &s)) {
				est += est_of(&s, pid, GT_LAUNCH_KERNEL);
				seen += count_of(&s, pid, GT_LAUNCH_KERNEL);
				window += s.window_s;
				elapsed += s.interval_s;
				gt_sample_free(&s);
			}
			pid = 0;
		}
	}
	gt_tracer_toggle_ms(t, &att, &det);
	multi = gt_tracer_multi(t);
	gt_tracer_close(t);
	diag("duty 100/400: sampled %.2f s of %.2f s, saw %.0f of 3000 calls, estimate %.0f; "
	     "attaching took %.1f ms, detaching %.1f ms (%s)", window, elapsed, seen, est, att,
	     det, multi ? "multi-uprobe links" : "perf-event links");
	ok(!pid && window > 0 && window < elapsed * 0.8 && seen < 3000 * 0.8,
	   "duty: probes attached only part of the time (%.0f%%)",
	   elapsed > 0 ? 100 * window / elapsed : 0);
	/*
	 * Where each toggle detaches perf-event links one grace period at a
	 * time (6.1), a period lasts seconds, the 3 s run sees a window or
	 * two, and what is measured is the toggle's cost, not the estimate.
	 */
	if (!multi)
		skip("perf-event links: a period lasts seconds here, too few windows in 3 s",
		     "duty: the estimate");
	else if (overhead_ns > 100000)
		/* The app paces itself: slowed down in windows, it catches up between. */
		skip("a traced call costs a tenth of the 1 ms between calls here or more",
		     "duty: the estimate");
	else
		/*
		 * Besides chance, each end of the process's life is off by up
		 * to a pause's worth of calls: its first and last windows stand
		 * for whole periods it lived only part of (unbiased over random
		 * phases, but this run starts on a window's edge).
		 */
		ok(seen > 0 && fabs(est - 3000) <= 2 * 1.96 * sqrt(seen) * est / seen + 2 * 300,
		   "duty: 3000 calls estimated as %.0f", est);
}

int main(int argc, char **argv)
{
	double overhead_ns;
	struct gt_tracer *t;
	char err[512];
	int rc;

	if (geteuid()) {
		skip("not root: uprobes and BPF need CAP_BPF and CAP_PERFMON", "gpu tracer");
		return tap_done();
	}
	if (!pick_paths(argc, argv)) {
		ok(0, "fixture %s and %s present", lib, app);
		return tap_done();
	}
	diag("fixture %s, app %s", lib, app);
	rc = gt_tracer_open(&t, &(struct gt_opts){ .lib = lib, .calibrate = true },
			    err, sizeof(err));
	if (rc == -EPERM || rc == -EOPNOTSUPP || rc == -ENOSYS) {
		skip(err, "gpu tracer: BPF or uprobes unavailable on this kernel");
		return tap_done();
	}
	if (!ok(!rc, "tracer loaded and attached to %s%s%s", lib, rc ? ": " : "",
		rc ? err : ""))
		return tap_done();
	is_int(gt_tracer_napis(t), 11, "all 11 entry points of the fixture attached");
	ok(gt_tracer_overhead_ns(t) > 0, "own cost measured: %.0f ns per traced call",
	   gt_tracer_overhead_ns(t));
	overhead_ns = gt_tracer_overhead_ns(t);

	test_counts(t);
	test_two_processes(t);
	test_buckets(t);
	gt_tracer_close(t);

	test_pid_chroot();
	test_pid_namespace();
	test_discovery();
	test_duty(overhead_ns);
	return tap_done();
}
