// SPDX-License-Identifier: GPL-2.0
/*
 * NVIDIA GPUs through NVML, loaded with dlopen() so that ai_monitor neither
 * builds nor runs against the driver's library unless it is there. The few
 * types we use are in nvml_types.h; the functions are looked up by NVML's
 * own names and called with its signatures (nvml.h, NVML API reference).
 */
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu.h"
#include "nvml_types.h"

struct gpu_nvml {
	void *lib;
	nvmlReturn_t (*init)(void);
	nvmlReturn_t (*shutdown)(void);
	const char *(*error_string)(nvmlReturn_t result);
	nvmlReturn_t (*get_count)(unsigned int *count);
	nvmlReturn_t (*get_handle)(unsigned int index, nvmlDevice_t *device);
	nvmlReturn_t (*get_name)(nvmlDevice_t device, char *name, unsigned int length);
	nvmlReturn_t (*get_util)(nvmlDevice_t device, nvmlUtilization_t *utilization);
	nvmlReturn_t (*get_mem)(nvmlDevice_t device, nvmlMemory_t *memory);
	/* Optional: older drivers and some boards lack it. */
	nvmlReturn_t (*get_proc_util)(nvmlDevice_t device,
				      nvmlProcessUtilizationSample_t *utilization,
				      unsigned int *count, unsigned long long last_seen);
	/* Per device, the newest sample seen: NVML returns only newer ones. */
	unsigned long long last_seen[GPU_MAX];
};

static const char *nvml_strerror(struct gpu_nvml *nv, nvmlReturn_t r)
{
	const char *s = nv->error_string ? nv->error_string(r) : NULL;

	return s ? s : "unknown NVML error";
}

/* The entry points, with NVML's versioned names. */
static const struct {
	const char *name;
	size_t offset;
	int required;
} nvml_syms[] = {
	{ "nvmlInit_v2", offsetof(struct gpu_nvml, init), 1 },
	{ "nvmlShutdown", offsetof(struct gpu_nvml, shutdown), 1 },
	{ "nvmlErrorString", offsetof(struct gpu_nvml, error_string), 0 },
	{ "nvmlDeviceGetCount_v2", offsetof(struct gpu_nvml, get_count), 1 },
	{ "nvmlDeviceGetHandleByIndex_v2", offsetof(struct gpu_nvml, get_handle), 1 },
	{ "nvmlDeviceGetName", offsetof(struct gpu_nvml, get_name), 0 },
	{ "nvmlDeviceGetUtilizationRates", offsetof(struct gpu_nvml, get_util), 1 },
	{ "nvmlDeviceGetMemoryInfo", offsetof(struct gpu_nvml, get_mem), 1 },
	{ "nvmlDeviceGetProcessUtilization", offsetof(struct gpu_nvml, get_proc_util), 0 },
};

struct gpu_nvml *gpu_nvml_open(char *why, size_t why_size)
{
	struct gpu_nvml *nv;
	nvmlReturn_t r;
	size_t i;

	nv = calloc(1, sizeof(*nv));
	if (!nv) {
		snprintf(why, why_size, "out of memory");
		return NULL;
	}
	nv->lib = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!nv->lib) {
		snprintf(why, why_size, "no NVIDIA driver (libnvidia-ml.so.1 not found)");
		goto err_free;
	}
	for (i = 0; i < ARRAY_SIZE(nvml_syms); i++) {
		void *sym = dlsym(nv->lib, nvml_syms[i].name);

		if (!sym && nvml_syms[i].required) {
			snprintf(why, why_size, "libnvidia-ml.so.1 lacks %s", nvml_syms[i].name);
			goto err_close;
		}
		/* POSIX: a function pointer and void * convert both ways. */
		memcpy((char *)nv + nvml_syms[i].offset, &sym, sizeof(sym));
	}

	r = nv->init();
	if (r != NVML_SUCCESS) {
		snprintf(why, why_size, "nvmlInit_v2: %s", nvml_strerror(nv, r));
		goto err_close;
	}
	return nv;

err_close:
	dlclose(nv->lib);
err_free:
	free(nv);
	return NULL;
}

void gpu_nvml_close(struct gpu_nvml *nv)
{
	if (!nv)
		return;
	nv->shutdown();
	dlclose(nv->lib);
	free(nv);
}

/* Errors after which the library must be shut down and initialised again. */
static int nvml_fatal(nvmlReturn_t r)
{
	return r == NVML_ERROR_UNINITIALIZED || r == NVML_ERROR_DRIVER_NOT_LOADED ||
	       r == NVML_ERROR_GPU_IS_LOST || r == NVML_ERROR_RESET_REQUIRED;
}

static void nvml_proc_sample(struct gpu_nvml *nv, nvmlDevice_t dev, unsigned int idx,
			     struct gpu_sample *s)
{
	nvmlProcessUtilizationSample_t buf[GPU_PROC_MAX];
	unsigned int n = GPU_PROC_MAX, i, j;
	unsigned long long newest;
	nvmlReturn_t r;

	if (!nv->get_proc_util)
		return;
	r = nv->get_proc_util(dev, buf, &n, nv->last_seen[idx]);
	/*
	 * NOT_FOUND: no sample newer than last_seen; INSUFFICIENT_SIZE: more
	 * processes than we show (n then holds the count, buf is untouched).
	 */
	if (r != NVML_SUCCESS)
		return;
	newest = nv->last_seen[idx];
	for (i = 0; i < n && i < GPU_PROC_MAX; i++) {
		if (buf[i].timeStamp > newest)
			newest = buf[i].timeStamp;
		/* One process may appear in several samples: keep its highest. */
		for (j = 0; j < (unsigned int)s->nr_procs; j++)
			if (s->proc[j].pid == (int)buf[i].pid && s->proc[j].gpu == (int)idx)
				break;
		if (j == (unsigned int)s->nr_procs) {
			if (s->nr_procs == GPU_PROC_MAX)
				continue;
			s->nr_procs++;
			s->proc[j].pid = buf[i].pid;
			s->proc[j].gpu = idx;
			s->proc[j].util = 0;
		}
		if ((int)buf[i].smUtil > s->proc[j].util)
			s->proc[j].util = buf[i].smUtil > 100 ? 100 : buf[i].smUtil;
	}
	nv->last_seen[idx] = newest;
}

int gpu_nvml_sample(struct gpu_nvml *nv, struct gpu_sample *s)
{
	unsigned int count, i;
	nvmlReturn_t r;

	s->source = "nvml";
	s->nr_gpus = 0;
	r = nv->get_count(&count);
	if (r != NVML_SUCCESS) {
		snprintf(s->why, sizeof(s->why), "nvmlDeviceGetCount_v2: %s",
			 nvml_strerror(nv, r));
		return nvml_fatal(r) ? -EIO : 0;
	}
	if (count > GPU_MAX)
		count = GPU_MAX;
	for (i = 0; i < count; i++) {
		struct gpu_dev *d = &s->dev[i];
		nvmlUtilization_t util;
		nvmlDevice_t dev;
		nvmlMemory_t mem;

		snprintf(d->name, sizeof(d->name), "GPU %u", i);
		d->util = -1;
		d->mem_used = d->mem_total = -1;
		s->nr_gpus = i + 1;

		r = nv->get_handle(i, &dev);
		if (r != NVML_SUCCESS)
			goto dev_err;
		if (nv->get_name) {
			char name[NVML_DEVICE_NAME_V2_BUFFER_SIZE];

			if (nv->get_name(dev, name, sizeof(name)) == NVML_SUCCESS)
				str_copy(d->name, name, sizeof(d->name));
		}
		r = nv->get_util(dev, &util);
		if (r != NVML_SUCCESS)
			goto dev_err;
		d->util = util.gpu > 100 ? 100 : util.gpu;
		if (nv->get_mem(dev, &mem) == NVML_SUCCESS) {
			d->mem_used = mem.used;
			d->mem_total = mem.total;
		}
		nvml_proc_sample(nv, dev, i, s);
		continue;
dev_err:
		snprintf(s->why, sizeof(s->why), "GPU %u: %s", i, nvml_strerror(nv, r));
		if (nvml_fatal(r))
			return -EIO;
	}
	return 0;
}
