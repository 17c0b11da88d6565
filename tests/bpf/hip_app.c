// SPDX-License-Identifier: GPL-2.0
/*
 * hip_app - calls the AMD HIP runtime's launch and sync entry points through
 * the real libamdhip64.so.5 (dlopen, as PyTorch does), so the tracer's uprobes
 * can be tried against a real vendor library on a host with no AMD GPU.
 *
 * Without a device every call fails, but it still enters the exported
 * function, which is all a uprobe needs. The arguments are chosen so that no
 * call can touch memory: NULL functions, streams, events and graphs, zero
 * dimensions. One line per distinct return code is printed:
 * "NAME rc=<int> count=<n>"; the exit status is 0 once all calls returned.
 */
#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* HIP's dim3: three 32-bit fields, passed by value in two registers. */
struct dim3 {
	unsigned int x, y, z;
};

/* hipLaunchKernel, its _spt twin, hipLaunchCooperativeKernel(_spt). */
typedef int (*launch_fn)(const void *f, struct dim3 grid, struct dim3 block, void **args,
			 size_t shmem, void *stream);
typedef int (*ext_launch_fn)(const void *f, struct dim3 grid, struct dim3 block, void **args,
			     size_t shmem, void *stream, void *start, void *stop, int flags);
typedef int (*module_fn)(void *f, unsigned int gx, unsigned int gy, unsigned int gz,
			 unsigned int bx, unsigned int by, unsigned int bz,
			 unsigned int shmem, void *stream, void **params, void **extra);
typedef int (*ext_module_fn)(void *f, unsigned int gx, unsigned int gy, unsigned int gz,
			     unsigned int bx, unsigned int by, unsigned int bz,
			     size_t shmem, void *stream, void **params, void **extra,
			     void *start, void *stop, unsigned int flags);
typedef int (*two_fn)(void *a, void *b);
typedef int (*one_fn)(void *handle);
typedef int (*none_fn)(void);
typedef const char *(*errname_fn)(int rc);

enum kind { LAUNCH, EXT_LAUNCH, MODULE, EXT_MODULE, TWO, ONE, NONE };

/*
 * HIP 5.2's hip_ext.h declares hipExtModuleLaunchKernel without extern "C", so
 * the library exports it only under its C++ name (kept whole, for grep).
 */
static const char ext_module_cxx[] =
"_Z24hipExtModuleLaunchKernelP18ihipModuleSymbol_tjjjjjjmP12ihipStream_tPPvS4_P11ihipEvent_tS6_j";

static const struct api {
	const char *name;
	const char *alias;	/* tried when NAME is not exported */
	enum kind kind;
} apis[] = {
	{ "hipLaunchKernel", NULL, LAUNCH },
	{ "hipLaunchKernel_spt", NULL, LAUNCH },
	{ "hipExtLaunchKernel", NULL, EXT_LAUNCH },
	{ "hipModuleLaunchKernel", NULL, MODULE },
	{ "hipExtModuleLaunchKernel", ext_module_cxx, EXT_MODULE },
	{ "hipLaunchCooperativeKernel", NULL, LAUNCH },
	{ "hipLaunchCooperativeKernel_spt", NULL, LAUNCH },
	{ "hipGraphLaunch", NULL, TWO },
	{ "hipGraphLaunch_spt", NULL, TWO },
	{ "hipStreamSynchronize", NULL, ONE },
	{ "hipStreamSynchronize_spt", NULL, ONE },
	{ "hipDeviceSynchronize", NULL, NONE },
	{ "hipEventSynchronize", NULL, ONE },
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NAPIS ARRAY_SIZE(apis)
#define MAX_RCS 16

static void usage(FILE *f)
{
	fprintf(f,
"usage: hip_app [-l LIB] [-a NAME] [-n COUNT] [-w] [-T] [-v]\n"
"  -l LIB    library to dlopen (default libamdhip64.so.5, found the usual way)\n"
"  -a NAME   a HIP function name, or 'all' (default hipLaunchKernel)\n"
"  -n COUNT  calls per function (default 1)\n"
"  -w        once loaded, print 'ready' and wait for a line on stdin\n"
"  -T        print how long the first call took and the mean of the rest\n"
"  -v        name each return code (hipGetErrorName)\n");
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int call(const struct api *a, void *fn)
{
	struct dim3 zero = { 0, 0, 0 };

	switch (a->kind) {
	case LAUNCH:
		return ((launch_fn)fn)(NULL, zero, zero, NULL, 0, NULL);
	case EXT_LAUNCH:
		return ((ext_launch_fn)fn)(NULL, zero, zero, NULL, 0, NULL, NULL, NULL, 0);
	case MODULE:
		return ((module_fn)fn)(NULL, 0, 0, 0, 0, 0, 0, 0, NULL, NULL, NULL);
	case EXT_MODULE:
		return ((ext_module_fn)fn)(NULL, 0, 0, 0, 0, 0, 0, 0, NULL, NULL, NULL,
					   NULL, NULL, 0);
	case TWO:
		return ((two_fn)fn)(NULL, NULL);
	case ONE:
		return ((one_fn)fn)(NULL);
	case NONE:
		return ((none_fn)fn)();
	}
	return -1;
}

/* Calls one function COUNT times and reports its return codes. */
static void run(const struct api *a, void *fn, long long count, bool timing,
		errname_fn errname)
{
	int rcs[MAX_RCS];
	long long counts[MAX_RCS], n, t0, first = 0, rest = 0;
	int nrcs = 0, i, rc;

	for (n = 0; n < count; n++) {
		t0 = now_ns();
		rc = call(a, fn);
		/* The first call is timed apart: it is where the runtime initialises. */
		if (n)
			rest += now_ns() - t0;
		else
			first = now_ns() - t0;
		for (i = 0; i < nrcs && rcs[i] != rc; i++)
			;
		if (i == nrcs) {
			if (nrcs == MAX_RCS)
				i = MAX_RCS - 1; /* more codes than that: lump them in the last */
			else
				counts[nrcs++] = 0;
			rcs[i] = rc;
		}
		counts[i]++;
	}
	for (i = 0; i < nrcs; i++) {
		printf("%s rc=%d count=%lld", a->name, rcs[i], counts[i]);
		if (errname)
			printf(" (%s)", errname(rcs[i]));
		printf("\n");
	}
	if (timing && count) {
		printf("%s first=%lld ns", a->name, first);
		if (count > 1)
			printf(" then %.1f ns/call (%lld calls)", (double)rest / (count - 1),
			       count - 1);
		printf("\n");
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	const char *lib = "libamdhip64.so.5", *sel = "hipLaunchKernel";
	bool wait = false, timing = false, verbose = false, any = false;
	void *fns[NAPIS] = { NULL }, *dl;
	errname_fn errname = NULL;
	long long count = 1;
	unsigned int i;
	int c;

	while ((c = getopt(argc, argv, "l:a:n:wTvh")) != -1) {
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
		case 'w':
			wait = true;
			break;
		case 'T':
			timing = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc || count < 0) {
		usage(stderr);
		return 2;
	}

	dl = dlopen(lib, RTLD_NOW);
	if (!dl) {
		fprintf(stderr, "hip_app: %s\n", dlerror());
		return 1;
	}
	for (i = 0; i < NAPIS; i++) {
		bool all = !strcmp(sel, "all");

		if (!all && strcmp(sel, apis[i].name))
			continue;
		fns[i] = dlsym(dl, apis[i].name);
		if (!fns[i] && apis[i].alias)
			fns[i] = dlsym(dl, apis[i].alias);
		/* With 'all', what this version lacks is skipped, not fatal. */
		if (!fns[i]) {
			fprintf(stderr, "hip_app: %s does not export %s\n", lib, apis[i].name);
			if (!all)
				return 1;
			continue;
		}
		any = true;
	}
	if (!any) {
		fprintf(stderr, "hip_app: unknown function '%s'\n", sel);
		return 2;
	}
	if (verbose)
		errname = (errname_fn)dlsym(dl, "hipGetErrorName");

	/* Let a tracer attach to the loaded library before the first call. */
	if (wait) {
		char line[16];

		printf("ready\n");
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin))
			return 1;
	}

	for (i = 0; i < NAPIS; i++)
		if (fns[i])
			run(&apis[i], fns[i], count, timing, errname);
	return 0;
}
