/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few NVML types and return codes ai_monitor uses, with NVML's own
 * names (nvml.h, NVML API reference): gpu_nvml.c calls the library through
 * them, and the test double (tests/monitor/fake_nvml.c) implements it.
 */
#ifndef AI_MONITOR_NVML_TYPES_H
#define AI_MONITOR_NVML_TYPES_H

typedef int nvmlReturn_t;
typedef struct nvmlDevice_st *nvmlDevice_t;

#define NVML_SUCCESS			0
#define NVML_ERROR_UNINITIALIZED	1
#define NVML_ERROR_INVALID_ARGUMENT	2
#define NVML_ERROR_NOT_SUPPORTED	3
#define NVML_ERROR_NOT_FOUND		6
#define NVML_ERROR_INSUFFICIENT_SIZE	7
#define NVML_ERROR_DRIVER_NOT_LOADED	9
#define NVML_ERROR_GPU_IS_LOST		15
#define NVML_ERROR_RESET_REQUIRED	16

#define NVML_DEVICE_NAME_V2_BUFFER_SIZE	96

typedef struct {
	unsigned int gpu;	/* percent of time a kernel was running */
	unsigned int memory;	/* percent of time memory was read or written */
} nvmlUtilization_t;

typedef struct {
	unsigned long long total;
	unsigned long long free;
	unsigned long long used;
} nvmlMemory_t;

typedef struct {
	unsigned int pid;
	unsigned long long timeStamp;	/* CPU time stamp, microseconds */
	unsigned int smUtil;
	unsigned int memUtil;
	unsigned int encUtil;
	unsigned int decUtil;
} nvmlProcessUtilizationSample_t;

#endif /* AI_MONITOR_NVML_TYPES_H */
