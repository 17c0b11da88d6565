// SPDX-License-Identifier: GPL-2.0
/*
 * cuda_app - a stand-in for a GPU application: calls the CUDA driver's
 * launch and sync entry points through libcuda.so.1 (dlopen, as PyTorch
 * and Triton do), at a chosen count, rate and simulated cost. Used by the
 * tracer's tests, its benchmark and the demo. See docs/gpu_tracer.md.
 */
#include <dlfcn.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

typedef int (*launch_fn)(void *f, unsigned int gx, unsigned int gy, unsigned int gz,
			 unsigned int bx, unsigned int by, unsigned int bz,
			 unsigned int shmem, void *stream, void **params, void **extra);
typedef int (*launch_ex_fn)(const void *config, void *f, void **params, void **extra);
typedef int (*coop_fn)(void *f, unsigned int gx, unsigned int gy, unsigned int gz,
		       unsigned int bx, unsigned int by, unsigned int bz,
		       unsigned int shmem, void *stream, void **params);
typedef int (*graph_fn)(void *exec, void *stream);
struct dim3 {
	unsigned int x, y, z;
};
typedef int (*rt_launch_fn)(const void *f, struct dim3 grid, struct dim3 block, void **args,
			    size_t shmem, void *stream);
typedef int (*one_fn)(void *handle);
typedef int (*none_fn)(void);

enum kind { LAUNCH, LAUNCH_EX, COOP, GRAPH, ONE, NONE, RT_LAUNCH };

static const struct api {
	const char *name;
	enum kind kind;
	bool sync;
} apis[] = {
	{ "cuLaunchKernel", LAUNCH, false },
	{ "cuLaunchKernel_ptsz", LAUNCH, false },
	{ "cuLaunchKernelEx", LAUNCH_EX, false },
	{ "cuLaunchKernelEx_ptsz", LAUNCH_EX, false },
	{ "cuLaunchCooperativeKernel", COOP, false },
	{ "cuLaunchCooperativeKernel_ptsz", COOP, false },
	{ "cuGraphLaunch", GRAPH, false },
	{ "cuGraphLaunch_ptsz", GRAPH, false },
	{ "cuStreamSynchronize", ONE, true },
	{ "cuCtxSynchronize", NONE, true },
	{ "cuEventSynchronize", ONE, true },
	/* The runtime's, by name only: 'all' is the driver's (a fake runtime, -l). */
	{ "cudaLaunchKernel", RT_LAUNCH, false },
	{ "cudaDeviceSynchronize", NONE, true },
};
#define DRIVER_APIS 11
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NAPIS ARRAY_SIZE(apis)

/* Mirrors the driver's CUlaunchConfig (only its address matters here). */
struct launch_config {
	unsigned int grid[3], block[3], shmem;
	void *stream, *attrs;
	unsigned int nattrs;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: cuda_app [-l LIB] [-a API] [-n COUNT] [-r RATE] [-d NS] [-s NS] [-S K]\n"
"                [-C COMM] [-c DIR] [-m DIR] [-w] [-T [-M]]\n"
"  -l LIB    library to dlopen (default libcuda.so.1, found the usual way)\n"
"  -a API    a driver function name, or 'launches', 'syncs', 'all' (default\n"
"            cuLaunchKernel); with several, each gets COUNT calls; or\n"
"            cudaLaunchKernel, cudaDeviceSynchronize of a runtime given by -l\n"
"  -n COUNT  calls per function (default 1000; 0: until killed)\n"
"  -r RATE   calls per second (default: as fast as possible)\n"
"  -d NS     each launch costs NS ns (sets FAKECUDA_LAUNCH_NS for the fake library)\n"
"  -s NS     each sync blocks NS ns (sets FAKECUDA_SYNC_NS)\n"
"  -S K      also call cuStreamSynchronize after every K launches\n"
"  -C COMM   process name to show up as\n"
"  -c DIR    chroot to DIR once the library is loaded (as a container would)\n"
"  -m DIR    in a mount namespace of its own, copy LIB to a tmpfs on DIR and\n"
"            load it from there: a library other processes cannot see\n"
"  -w        once loaded, print 'ready' and wait for a line on stdin\n"
"  -T        print the mean ns per call at the end\n"
"  -M        with -T, also time each call and print the median (costs two\n"
"            clock reads per call)\n");
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int call(const struct api *a, void *fn)
{
	static struct launch_config cfg = { .grid = { 1, 1, 1 }, .block = { 128, 1, 1 } };
	void *handle = (void *)0x1;

	switch (a->kind) {
	case LAUNCH:
		return ((launch_fn)fn)(handle, 1, 1, 1, 128, 1, 1, 0, NULL, NULL, NULL);
	case LAUNCH_EX:
		return ((launch_ex_fn)fn)(&cfg, handle, NULL, NULL);
	case COOP:
		return ((coop_fn)fn)(handle, 1, 1, 1, 128, 1, 1, 0, NULL, NULL);
	case GRAPH:
		return ((graph_fn)fn)(handle, NULL);
	case ONE:
		return ((one_fn)fn)(NULL);
	case NONE:
		return ((none_fn)fn)();
	case RT_LAUNCH:
		return ((rt_launch_fn)fn)(handle, (struct dim3){ 1, 1, 1 },
					  (struct dim3){ 128, 1, 1 }, NULL, 0, NULL);
	}
	return -1;
}

/* The -m case: LIB copied into a tmpfs only our mount namespace sees. */
static const char *private_copy(const char *lib, const char *dir)
{
	static char path[4096];
	char buf[65536];
	int in, out;
	ssize_t n;

	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("none", dir, "tmpfs", 0, NULL)) {
		perror("cuda_app: private mount");
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/libcuda.so.1", dir);
	in = open(lib, O_RDONLY);
	out = open(path, O_WRONLY | O_CREAT | O_EXCL, 0755);
	if (in < 0 || out < 0) {
		perror("cuda_app: copy");
		return NULL;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			return NULL;
	close(in);
	close(out);
	return n ? NULL : path;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

static bool selected(const char *sel, const struct api *a)
{
	if (!strcmp(sel, a->name))
		return true;
	if (a - apis >= DRIVER_APIS)
		return false;
	return !strcmp(sel, "all") || (!strcmp(sel, "launches") && !a->sync) ||
	       (!strcmp(sel, "syncs") && a->sync);
}

int main(int argc, char **argv)
{
	const char *lib = "libcuda.so.1", *sel = "cuLaunchKernel", *root = NULL, *priv = NULL;
	long long count = 1000, rate = 0, every = 0, n, total = 0, t0, t_all = 0;
	bool wait = false, timing = false, medians = false, any = false;
	long long *lat = NULL, nlat = 0;
	void *fns[NAPIS] = { NULL }, *sync_fn, *dl;
	unsigned int i;
	int c;

	while ((c = getopt(argc, argv, "l:a:n:r:d:s:S:C:c:m:wTMh")) != -1) {
		switch (c) {
		case 'l':
			lib = optarg;
			break;
		case 'a':
			sel = optarg;
			break;
		case 'n':
			count = atoll(optarg);
			break;
		case 'r':
			rate = atoll(optarg);
			break;
		case 'd':
			setenv("FAKECUDA_LAUNCH_NS", optarg, 1);
			break;
		case 's':
			setenv("FAKECUDA_SYNC_NS", optarg, 1);
			break;
		case 'S':
			every = atoll(optarg);
			break;
		case 'C':
			prctl(PR_SET_NAME, optarg, 0, 0, 0);
			break;
		case 'c':
			root = optarg;
			break;
		case 'm':
			priv = optarg;
			break;
		case 'w':
			wait = true;
			break;
		case 'T':
			timing = true;
			break;
		case 'M':
			medians = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc || count < 0 || rate < 0 || every < 0) {
		usage(stderr);
		return 2;
	}

	if (priv) {
		lib = private_copy(lib, priv);
		if (!lib)
			return 1;
	}
	dl = dlopen(lib, RTLD_NOW);
	if (!dl) {
		fprintf(stderr, "cuda_app: %s\n", dlerror());
		return 1;
	}
	for (i = 0; i < NAPIS; i++) {
		if (!selected(sel, &apis[i]))
			continue;
		fns[i] = dlsym(dl, apis[i].name);
		if (!fns[i]) {
			fprintf(stderr, "cuda_app: %s does not export %s\n", lib, apis[i].name);
			return 1;
		}
		any = true;
	}
	if (!any) {
		fprintf(stderr, "cuda_app: unknown API '%s'\n", sel);
		return 2;
	}
	sync_fn = dlsym(dl, "cuStreamSynchronize");
	if (root && (chroot(root) || chdir("/"))) {
		perror("cuda_app: chroot");
		return 1;
	}
	if (wait) {
		char line[16];

		printf("ready\n");
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin))
			return 1;
	}

	/* -M: each call's own duration too, for its median (a bounded count). */
	if (timing && medians && count && count <= 1000000)
		lat = calloc(count * NAPIS, sizeof(*lat));

	for (i = 0; i < NAPIS; i++) {
		long long start;

		if (!fns[i])
			continue;
		t0 = start = now_ns();
		for (n = 0; !count || n < count; n++) {
			long long c0 = lat ? now_ns() : 0;

			call(&apis[i], fns[i]);
			if (lat)
				lat[nlat++] = now_ns() - c0;
			if (every && sync_fn && !apis[i].sync && (n + 1) % every == 0)
				call(&apis[8], sync_fn);
			if (rate) {
				/* Pace against the start, so slow calls do not lower the rate. */
				long long due = start + (n + 1) * 1000000000LL / rate, d;

				d = due - now_ns();
				if (d > 0) {
					struct timespec ts = { d / 1000000000LL, d % 1000000000LL };

					nanosleep(&ts, NULL);
				}
			}
		}
		t_all += now_ns() - t0;
		total += n;
	}
	if (timing && total) {
		printf("%.1f ns/call (%lld calls)", (double)t_all / total, total);
		if (nlat) {
			long long sum = 0, k;

			for (k = 0; k < nlat; k++)
				sum += lat[k];
			qsort(lat, nlat, sizeof(*lat), cmp_ll);
			printf(", median %lld ns, mean %.1f ns", lat[(nlat - 1) / 2],
			       (double)sum / nlat);
		}
		printf("\n");
	}
	free(lat);
	return 0;
}
