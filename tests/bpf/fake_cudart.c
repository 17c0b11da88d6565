// SPDX-License-Identifier: GPL-2.0
/*
 * fake_cudart - a test double of the CUDA runtime, libcudart.so.13: its
 * cudaLaunchKernel and cudaDeviceSynchronize call the driver's
 * cuLaunchKernel and cuCtxSynchronize, as NVIDIA's runtime does through
 * the entry points it gets from the driver. So one call shows in both of
 * the tracer's CUDA layers, which NVIDIA's stub driver (every call fails
 * first) cannot show: the cross-check's "the driver saw all of them" case
 * (tests/bpf/trace-runtime.sh).
 */
#include <dlfcn.h>
#include <stddef.h>

#define EXPORT __attribute__((visibility("default")))

/* cudaErrorInsufficientDriver: the runtime's answer when there is no driver. */
#define NO_DRIVER 35

struct dim3 {
	unsigned int x, y, z;
};

typedef int (*cu_launch_fn)(void *f, unsigned int gx, unsigned int gy, unsigned int gz,
			    unsigned int bx, unsigned int by, unsigned int bz,
			    unsigned int shmem, void *stream, void **params, void **extra);
typedef int (*cu_sync_fn)(void);

/* Like the runtime, remember the last error (which also keeps the calls out of tail position). */
static volatile int last_error;

static void *driver(const char *name)
{
	static void *dl;

	if (!dl)
		dl = dlopen("libcuda.so.1", RTLD_NOW);
	return dl ? dlsym(dl, name) : NULL;
}

EXPORT int cudaLaunchKernel(const void *func, struct dim3 grid, struct dim3 block, void **args,
			    size_t shmem, void *stream)
{
	static cu_launch_fn launch;

	if (!launch)
		launch = (cu_launch_fn)driver("cuLaunchKernel");
	last_error = launch ? launch((void *)func, grid.x, grid.y, grid.z, block.x, block.y,
				     block.z, shmem, stream, args, NULL) : NO_DRIVER;
	return last_error;
}

EXPORT int cudaDeviceSynchronize(void)
{
	static cu_sync_fn sync;

	if (!sync)
		sync = (cu_sync_fn)driver("cuCtxSynchronize");
	last_error = sync ? sync() : NO_DRIVER;
	return last_error;
}
