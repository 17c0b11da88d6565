// SPDX-License-Identifier: GPL-2.0
/*
 * cuda_rt_app - a CUDA program as nvcc builds it: <<<>>> launches through
 * the CUDA runtime, linked statically (nvcc's default) or with -cudart
 * shared. Run with NVIDIA's stub libcuda.so as its libcuda.so.1, every
 * runtime call fails (cudaErrorStubLibrary), but each launch still calls
 * the runtime's cudaLaunchKernel once: what the tracer's runtime layer must
 * count, as errors (tests/bpf/trace-runtime.sh).
 *
 * usage: cuda_rt_app [-n LAUNCHES] [-w]
 *   -w  print "ready" and wait for a line on stdin before the first call
 * Prints "launches N sync RC" at the end.
 */
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

#include <cuda_runtime.h>

__global__ void touch(int *p)
{
	if (p)
		*p = 1;
}

int main(int argc, char **argv)
{
	int n = 10, i, opt;
	bool wait = false;
	char line[16];

	while ((opt = getopt(argc, argv, "n:w")) != -1) {
		if (opt == 'n')
			n = atoi(optarg);
		else if (opt == 'w')
			wait = true;
		else
			return 2;
	}
	if (wait) {
		printf("ready\n");
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin))
			return 1;
	}
	for (i = 0; i < n; i++)
		touch<<<1, 1>>>(nullptr);
	cudaStreamSynchronize(0);
	printf("launches %d sync %d\n", n, (int)cudaDeviceSynchronize());
	return 0;
}
