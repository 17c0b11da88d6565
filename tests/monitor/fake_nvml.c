// SPDX-License-Identifier: GPL-2.0
/*
 * A test double of libnvidia-ml.so.1: the few NVML entry points ai_monitor
 * uses, with figures the test controls. Every call re-reads the file named
 * by $FAKE_NVML_STATE, so a test changes the "GPU load" by rewriting it:
 *
 *   gpu <util%> <mem_total_bytes> <mem_used_bytes> [name]   one line per GPU
 *   proc <gpu> <pid> <sm_util%>                             per-process sample
 *   fail <nvml function name> <nvmlReturn_t>                make that call fail
 *
 * No file (or no variable) means "driver not loaded", as on a machine whose
 * NVIDIA module is gone. Signatures follow nvml.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "ai_monitor/gpu/nvml_types.h"

#define MAX_GPUS	16
#define MAX_PROCS	64

struct state {
	int nr_gpus;
	struct {
		unsigned int util;
		unsigned long long total, used;
		char name[64];
	} gpu[MAX_GPUS];
	int nr_procs;
	struct {
		unsigned int gpu, pid, sm;
	} proc[MAX_PROCS];
};

static int initialised;

/* Loads the state; returns the "fail" code configured for fn, or 0. */
static nvmlReturn_t load(const char *fn, struct state *st)
{
	const char *path = getenv("FAKE_NVML_STATE");
	nvmlReturn_t fail = NVML_SUCCESS;
	char line[256];
	FILE *f;

	memset(st, 0, sizeof(*st));
	if (!path)
		return NVML_ERROR_DRIVER_NOT_LOADED;
	f = fopen(path, "re");
	if (!f)
		return NVML_ERROR_DRIVER_NOT_LOADED;
	while (fgets(line, sizeof(line), f)) {
		char name[64] = "", what[64];
		unsigned int a, b, c;
		unsigned long long t, u;
		int code;

		if (sscanf(line, "gpu %u %llu %llu %63[^\n]", &a, &t, &u, name) >= 3 &&
		    st->nr_gpus < MAX_GPUS) {
			st->gpu[st->nr_gpus].util = a;
			st->gpu[st->nr_gpus].total = t;
			st->gpu[st->nr_gpus].used = u;
			snprintf(st->gpu[st->nr_gpus].name, 64, "%s",
				 name[0] ? name : "Fake NVML GPU");
			st->nr_gpus++;
		} else if (sscanf(line, "proc %u %u %u", &a, &b, &c) == 3 &&
			   st->nr_procs < MAX_PROCS) {
			st->proc[st->nr_procs].gpu = a;
			st->proc[st->nr_procs].pid = b;
			st->proc[st->nr_procs].sm = c;
			st->nr_procs++;
		} else if (sscanf(line, "fail %63s %d", what, &code) == 2 && !strcmp(what, fn)) {
			fail = code;
		}
	}
	fclose(f);
	return fail;
}

/* Common prologue: initialised, state loaded, device handle valid. */
static nvmlReturn_t enter(const char *fn, struct state *st, nvmlDevice_t dev, unsigned int *idx)
{
	nvmlReturn_t r;

	if (!initialised)
		return NVML_ERROR_UNINITIALIZED;
	r = load(fn, st);
	if (r)
		return r;
	if (idx) {
		*idx = (unsigned int)(unsigned long)dev - 1;
		if (*idx >= (unsigned int)st->nr_gpus)
			return NVML_ERROR_INVALID_ARGUMENT;
	}
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlInit_v2(void)
{
	struct state st;
	nvmlReturn_t r = load("nvmlInit_v2", &st);

	if (!r)
		initialised = 1;
	return r;
}

nvmlReturn_t nvmlShutdown(void)
{
	if (!initialised)
		return NVML_ERROR_UNINITIALIZED;
	initialised = 0;
	return NVML_SUCCESS;
}

const char *nvmlErrorString(nvmlReturn_t r)
{
	switch (r) {
	case NVML_SUCCESS:
		return "Success";
	case NVML_ERROR_UNINITIALIZED:
		return "Uninitialized";
	case NVML_ERROR_DRIVER_NOT_LOADED:
		return "Driver Not Loaded";
	case NVML_ERROR_GPU_IS_LOST:
		return "GPU is lost";
	default:
		return "Fake NVML error";
	}
}

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *count)
{
	struct state st;
	nvmlReturn_t r = enter("nvmlDeviceGetCount_v2", &st, NULL, NULL);

	if (r)
		return r;
	*count = st.nr_gpus;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *dev)
{
	struct state st;
	nvmlReturn_t r = enter("nvmlDeviceGetHandleByIndex_v2", &st, NULL, NULL);

	if (r)
		return r;
	if (index >= (unsigned int)st.nr_gpus || !dev)
		return NVML_ERROR_INVALID_ARGUMENT;
	*dev = (nvmlDevice_t)(unsigned long)(index + 1);
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t dev, char *name, unsigned int length)
{
	struct state st;
	unsigned int i;
	nvmlReturn_t r = enter("nvmlDeviceGetName", &st, dev, &i);

	if (r)
		return r;
	snprintf(name, length, "%s", st.gpu[i].name);
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t dev, nvmlUtilization_t *u)
{
	struct state st;
	unsigned int i;
	nvmlReturn_t r = enter("nvmlDeviceGetUtilizationRates", &st, dev, &i);

	if (r)
		return r;
	u->gpu = st.gpu[i].util;
	u->memory = 0;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t dev, nvmlMemory_t *m)
{
	struct state st;
	unsigned int i;
	nvmlReturn_t r = enter("nvmlDeviceGetMemoryInfo", &st, dev, &i);

	if (r)
		return r;
	m->total = st.gpu[i].total;
	m->used = st.gpu[i].used;
	m->free = m->total > m->used ? m->total - m->used : 0;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetProcessUtilization(nvmlDevice_t dev,
					     nvmlProcessUtilizationSample_t *buf,
					     unsigned int *count,
					     unsigned long long last_seen)
{
	struct state st;
	unsigned int i, j, n = 0;
	unsigned long long now;
	struct timeval tv;
	nvmlReturn_t r = enter("nvmlDeviceGetProcessUtilization", &st, dev, &i);

	if (r)
		return r;
	gettimeofday(&tv, NULL);
	now = tv.tv_sec * 1000000ull + tv.tv_usec;
	for (j = 0; j < (unsigned int)st.nr_procs; j++)
		n += st.proc[j].gpu == i;
	/* As the real one: samples newer than last_seen only. */
	if (!n || now <= last_seen)
		return NVML_ERROR_NOT_FOUND;
	if (!buf || *count < n) {
		*count = n;
		return NVML_ERROR_INSUFFICIENT_SIZE;
	}
	n = 0;
	for (j = 0; j < (unsigned int)st.nr_procs; j++) {
		if (st.proc[j].gpu != i)
			continue;
		memset(&buf[n], 0, sizeof(buf[n]));
		buf[n].pid = st.proc[j].pid;
		buf[n].timeStamp = now;
		buf[n].smUtil = st.proc[j].sm;
		n++;
	}
	*count = n;
	return NVML_SUCCESS;
}
