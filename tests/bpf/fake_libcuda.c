// SPDX-License-Identifier: GPL-2.0
/*
 * fake_libcuda.c - a test double for NVIDIA's libcuda.so.1.
 *
 * It exports the driver API's launch and synchronisation entry points with
 * their real C signatures, so the tracer attaches to it exactly as it would
 * to the real library, and simulates their cost:
 *
 *   FAKECUDA_LAUNCH_NS  each launch busy-waits this long (default 0), like
 *                       a driver call that spins on a full queue
 *   FAKECUDA_SYNC_NS    each synchronize blocks this long (default 0), in
 *                       nanosleep, like a thread waiting for the GPU
 *   FAKECUDA_RESULT     CUresult every launch returns (default 0, success)
 *
 * The variables are read once, when the library is loaded.
 */
#include <stdlib.h>
#include <time.h>

#define CUDAAPI
#define EXPORT __attribute__((visibility("default"), noinline))

typedef int CUresult;
typedef int CUdevice;
typedef struct CUctx_st *CUcontext;
typedef struct CUfunc_st *CUfunction;
typedef struct CUstream_st *CUstream;
typedef struct CUevent_st *CUevent;
typedef struct CUgraphExec_st *CUgraphExec;

typedef enum CUlaunchAttributeID_enum {
	CU_LAUNCH_ATTRIBUTE_IGNORE = 0,
} CUlaunchAttributeID;

typedef union CUlaunchAttributeValue_union {
	char pad[64];
} CUlaunchAttributeValue;

typedef struct CUlaunchAttribute_st {
	CUlaunchAttributeID id;
	char pad[8 - sizeof(CUlaunchAttributeID)];
	CUlaunchAttributeValue value;
} CUlaunchAttribute;

typedef struct CUlaunchConfig_st {
	unsigned int gridDimX, gridDimY, gridDimZ;
	unsigned int blockDimX, blockDimY, blockDimZ;
	unsigned int sharedMemBytes;
	CUstream hStream;
	CUlaunchAttribute *attrs;
	unsigned int numAttrs;
} CUlaunchConfig;

#define CUDA_SUCCESS 0
#define CUDA_ERROR_INVALID_VALUE 1

static long long launch_ns, sync_ns;
static CUresult launch_result;
/* Calls seen, per entry point: gives each function a body of its own. */
static volatile unsigned long calls[16];

static long long env_ll(const char *name)
{
	const char *s = getenv(name);

	return s ? atoll(s) : 0;
}

__attribute__((constructor)) static void fake_init(void)
{
	launch_ns = env_ll("FAKECUDA_LAUNCH_NS");
	sync_ns = env_ll("FAKECUDA_SYNC_NS");
	launch_result = (CUresult)env_ll("FAKECUDA_RESULT");
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static CUresult launch(int which)
{
	calls[which]++;
	if (launch_ns) {
		long long end = now_ns() + launch_ns;

		while (now_ns() < end)
			;
	}
	return launch_result;
}

static CUresult wait_gpu(int which)
{
	calls[which]++;
	if (sync_ns) {
		struct timespec ts = {
			.tv_sec = sync_ns / 1000000000LL,
			.tv_nsec = sync_ns % 1000000000LL,
		};

		while (nanosleep(&ts, &ts))
			;
	}
	return CUDA_SUCCESS;
}

EXPORT CUresult CUDAAPI cuInit(unsigned int Flags)
{
	return Flags ? CUDA_ERROR_INVALID_VALUE : CUDA_SUCCESS;
}

EXPORT CUresult CUDAAPI cuDriverGetVersion(int *driverVersion)
{
	if (!driverVersion)
		return CUDA_ERROR_INVALID_VALUE;
	*driverVersion = 12040;
	return CUDA_SUCCESS;
}

EXPORT CUresult CUDAAPI
cuLaunchKernel(CUfunction f, unsigned int gridDimX, unsigned int gridDimY,
	       unsigned int gridDimZ, unsigned int blockDimX, unsigned int blockDimY,
	       unsigned int blockDimZ, unsigned int sharedMemBytes, CUstream hStream,
	       void **kernelParams, void **extra)
{
	return launch(0);
}

EXPORT CUresult CUDAAPI
cuLaunchKernel_ptsz(CUfunction f, unsigned int gridDimX, unsigned int gridDimY,
		    unsigned int gridDimZ, unsigned int blockDimX, unsigned int blockDimY,
		    unsigned int blockDimZ, unsigned int sharedMemBytes, CUstream hStream,
		    void **kernelParams, void **extra)
{
	return launch(1);
}

EXPORT CUresult CUDAAPI
cuLaunchKernelEx(const CUlaunchConfig *config, CUfunction f, void **kernelParams,
		 void **extra)
{
	return config ? launch(2) : CUDA_ERROR_INVALID_VALUE;
}

EXPORT CUresult CUDAAPI
cuLaunchKernelEx_ptsz(const CUlaunchConfig *config, CUfunction f, void **kernelParams,
		      void **extra)
{
	return config ? launch(3) : CUDA_ERROR_INVALID_VALUE;
}

EXPORT CUresult CUDAAPI
cuLaunchCooperativeKernel(CUfunction f, unsigned int gridDimX, unsigned int gridDimY,
			  unsigned int gridDimZ, unsigned int blockDimX,
			  unsigned int blockDimY, unsigned int blockDimZ,
			  unsigned int sharedMemBytes, CUstream hStream, void **kernelParams)
{
	return launch(4);
}

EXPORT CUresult CUDAAPI
cuLaunchCooperativeKernel_ptsz(CUfunction f, unsigned int gridDimX, unsigned int gridDimY,
			       unsigned int gridDimZ, unsigned int blockDimX,
			       unsigned int blockDimY, unsigned int blockDimZ,
			       unsigned int sharedMemBytes, CUstream hStream,
			       void **kernelParams)
{
	return launch(5);
}

EXPORT CUresult CUDAAPI cuGraphLaunch(CUgraphExec hGraphExec, CUstream hStream)
{
	return launch(6);
}

EXPORT CUresult CUDAAPI cuGraphLaunch_ptsz(CUgraphExec hGraphExec, CUstream hStream)
{
	return launch(7);
}

EXPORT CUresult CUDAAPI cuStreamSynchronize(CUstream hStream)
{
	return wait_gpu(8);
}

EXPORT CUresult CUDAAPI cuCtxSynchronize(void)
{
	return wait_gpu(9);
}

EXPORT CUresult CUDAAPI cuEventSynchronize(CUevent hEvent)
{
	return wait_gpu(10);
}
