// SPDX-License-Identifier: GPL-2.0
/*
 * The GPU utilisation sources of ai_monitor against fakes: the NVML test
 * double (fake_nvml.c, found through this binary's RUNPATH), a fake sysfs
 * tree with amdgpu files and a fake proc tree with DRM fdinfo.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ai_monitor/gpu/gpu.h"
#include "tap.h"

static char tmp[64];

static void put(const char *rel, const char *text)
{
	char path[512], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	for (slash = strchr(path + strlen(tmp) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
}

static void nvml_state(const char *text)
{
	put("nvml", text);
}

static void test_nvml(void)
{
	struct gpu_sample s;
	struct gpu_nvml *nv;
	char why[128] = "", path[128];

	snprintf(path, sizeof(path), "%s/nvml", tmp);
	setenv("FAKE_NVML_STATE", path, 1);

	nv = gpu_nvml_open(why, sizeof(why));
	ok(!nv && strstr(why, "Driver Not Loaded"), "nvml: no driver is reported (%s)", why);

	nvml_state("gpu 75 8589934592 1073741824 Fake A100\ngpu 10 100 50\n"
		   "proc 0 4242 60\nproc 1 4343 5\n");
	nv = gpu_nvml_open(why, sizeof(why));
	if (!ok(nv != NULL, "nvml: opens through dlopen")) {
		diag("why: %s", why);
		return;
	}
	memset(&s, 0, sizeof(s));
	is_int(gpu_nvml_sample(nv, &s), 0, "nvml: sample");
	is_int(s.nr_gpus, 2, "nvml: two GPUs");
	is_int(s.dev[0].util, 75, "nvml: GPU 0 utilisation");
	is_int(s.dev[1].util, 10, "nvml: GPU 1 utilisation");
	is_int(s.dev[0].mem_total, 8589934592LL, "nvml: memory total");
	is_int(s.dev[0].mem_used, 1073741824LL, "nvml: memory used");
	ok(!strcmp(s.dev[0].name, "Fake A100"), "nvml: name '%s'", s.dev[0].name);
	is_int(s.nr_procs, 2, "nvml: per-process samples");
	ok(s.proc[0].pid == 4242 && s.proc[0].gpu == 0 && s.proc[0].util == 60,
	   "nvml: process 4242 on GPU 0 at 60%%");

	/* The figures follow the file: the agent sees load change. */
	nvml_state("gpu 5 100 50\n");
	memset(&s, 0, sizeof(s));
	usleep(2000);
	is_int(gpu_nvml_sample(nv, &s), 0, "nvml: second sample");
	ok(s.nr_gpus == 1 && s.dev[0].util == 5 && s.nr_procs == 0, "nvml: new figures read");

	/* A per-device error marks that device unknown, not the whole sample. */
	nvml_state("gpu 5 100 50\nfail nvmlDeviceGetUtilizationRates 3\n");
	memset(&s, 0, sizeof(s));
	is_int(gpu_nvml_sample(nv, &s), 0, "nvml: not-supported is not fatal");
	is_int(s.dev[0].util, -1, "nvml: unsupported utilisation is unknown");

	/* GPU lost: the caller must re-initialise. */
	nvml_state("gpu 5 100 50\nfail nvmlDeviceGetUtilizationRates 15\n");
	memset(&s, 0, sizeof(s));
	is_int(gpu_nvml_sample(nv, &s), -EIO, "nvml: GPU lost asks for a restart");
	ok(strstr(s.why, "GPU is lost") != NULL, "nvml: reason kept (%s)", s.why);
	gpu_nvml_close(nv);
	unsetenv("FAKE_NVML_STATE");
}

static void test_sysfs(void)
{
	char root[128], pci[64];
	struct gpu_sample s;

	snprintf(root, sizeof(root), "%s/sys", tmp);
	memset(&s, 0, sizeof(s));
	is_int(gpu_sysfs_sample(root, &s), 0, "sysfs: no tree, no card");

	put("sys/class/drm/card1/device/gpu_busy_percent", "42\n");
	put("sys/class/drm/card1/device/mem_info_vram_total", "17163091968\n");
	put("sys/class/drm/card1/device/mem_info_vram_used", "1048576\n");
	put("sys/class/drm/card0/device/gpu_busy_percent", "7\n");
	/* A connector and a card without the file (not amdgpu). */
	put("sys/class/drm/card0-DP-1/device/gpu_busy_percent", "99\n");
	put("sys/class/drm/card2/device/vendor", "0x8086\n");
	put("sys/class/drm/card3/device/gpu_busy_percent", "garbage\n");

	memset(&s, 0, sizeof(s));
	is_int(gpu_sysfs_sample(root, &s), 3, "sysfs: cards with gpu_busy_percent");
	ok(!strcmp(s.source, "sysfs"), "sysfs: source named");
	ok(!strcmp(s.dev[0].name, "card0") && s.dev[0].util == 7, "sysfs: card0 first, 7%%");
	ok(!strcmp(s.dev[1].name, "card1") && s.dev[1].util == 42, "sysfs: card1 42%%");
	is_int(s.dev[1].mem_total, 17163091968LL, "sysfs: vram total");
	is_int(s.dev[1].mem_used, 1048576, "sysfs: vram used");
	is_int(s.dev[0].mem_total, -1, "sysfs: missing vram is unknown");
	is_int(s.dev[2].util, -1, "sysfs: unreadable figure is unknown");

	gpu_sysfs_pci(root, 0, pci, sizeof(pci));
	ok(pci[0] == '\0', "sysfs: no PCI link, no address");
}

static const char *fdinfo(const char *pdev, int id, unsigned long long gfx,
			  unsigned long long comp, char *buf, size_t size)
{
	snprintf(buf, size,
		 "pos:\t0\nflags:\t02100002\nmnt_id:\t24\n"
		 "drm-driver:\tamdgpu\ndrm-pdev:\t%s\ndrm-client-id:\t%d\n"
		 "drm-engine-gfx:\t%llu ns\ndrm-engine-compute:\t%llu ns\n"
		 "drm-engine-capacity-compute:\t2\ndrm-memory-vram:\t1024 KiB\n",
		 pdev, id, gfx, comp);
	return buf;
}

static void test_fdinfo(void)
{
	struct gpu_fdinfo *st = gpu_fdinfo_new();
	const uint64_t ms = 1000000;
	char root[128], b[512];
	struct gpu_sample s;
	int i;

	snprintf(root, sizeof(root), "%s/proc", tmp);
	put("proc/100/fdinfo/0", "pos:\t0\nflags:\t0100002\n");
	put("proc/100/fdinfo/5", fdinfo("0000:03:00.0", 7, 0, 0, b, sizeof(b)));
	/* Same client through a dup()ed fd: counted once. */
	put("proc/100/fdinfo/6", fdinfo("0000:03:00.0", 7, 0, 0, b, sizeof(b)));
	put("proc/200/fdinfo/3", fdinfo("0000:03:00.0", 9, 0, 0, b, sizeof(b)));
	put("proc/300/fdinfo/4", fdinfo("0000:01:00.0", 1, 0, 0, b, sizeof(b)));
	put("proc/self/fdinfo/4", fdinfo("0000:05:00.0", 1, 0, 0, b, sizeof(b)));

	memset(&s, 0, sizeof(s));
	gpu_fdinfo_sample(st, root, 1000 * ms, &s);
	is_int(s.nr_gpus, 2, "fdinfo: two devices by drm-pdev");
	ok(strstr(s.dev[0].name, "0000:01:00.0") != NULL, "fdinfo: sorted by address (%s)",
	   s.dev[0].name);
	is_int(s.dev[0].util, -1, "fdinfo: first walk has no delta");
	is_int(s.dev[1].util, -1, "fdinfo: first walk has no delta (2)");

	/* 100 ms later: pid 100 kept gfx busy 30 ms, pid 200 40 ms. */
	put("proc/100/fdinfo/5", fdinfo("0000:03:00.0", 7, 30 * ms, 0, b, sizeof(b)));
	put("proc/100/fdinfo/6", fdinfo("0000:03:00.0", 7, 30 * ms, 0, b, sizeof(b)));
	put("proc/200/fdinfo/3", fdinfo("0000:03:00.0", 9, 40 * ms, 0, b, sizeof(b)));
	/* pid 300: both compute engines busy 50 ms out of 100: 50%. */
	put("proc/300/fdinfo/4", fdinfo("0000:01:00.0", 1, 0, 100 * ms, b, sizeof(b)));
	memset(&s, 0, sizeof(s));
	gpu_fdinfo_sample(st, root, 1100 * ms, &s);
	is_int(s.dev[1].util, 70, "fdinfo: gfx 30 + 40 ms of 100 ms is 70%%");
	is_int(s.dev[0].util, 50, "fdinfo: compute divided by its capacity");
	for (i = 0; i < s.nr_procs; i++)
		if (s.proc[i].pid == 100)
			break;
	ok(i < s.nr_procs && s.proc[i].util == 30 && s.proc[i].gpu == 1,
	   "fdinfo: pid 100 at 30%% of device 1");
	ok(i < s.nr_procs && s.proc[i].busy_ns == 30 * ms,
	   "fdinfo: pid 100 busy 30 ms in all (its client once, not per fd)");
	for (i = 0; i < s.nr_procs; i++)
		if (s.proc[i].pid == 300)
			break;
	ok(i < s.nr_procs && s.proc[i].busy_ns == 100 * ms,
	   "fdinfo: pid 300 busy time summed over engines");
	is_int(s.nr_procs, 3, "fdinfo: three processes");

	/* Client gone and id reused with a smaller counter: no negative load. */
	put("proc/200/fdinfo/3", fdinfo("0000:03:00.0", 9, 1 * ms, 0, b, sizeof(b)));
	put("proc/100/fdinfo/5", "pos:\t0\n");
	put("proc/100/fdinfo/6", "pos:\t0\n");
	memset(&s, 0, sizeof(s));
	gpu_fdinfo_sample(st, root, 1200 * ms, &s);
	is_int(s.dev[1].util, 0, "fdinfo: counter reset reads as idle");
	gpu_fdinfo_free(st);
}

int main(void)
{
	char cmd[128];

	snprintf(tmp, sizeof(tmp), "/tmp/test_monitor_gpu.XXXXXX");
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	test_nvml();
	test_sysfs();
	test_fdinfo();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	if (system(cmd))
		diag("could not remove %s", tmp);
	return tap_done();
}
