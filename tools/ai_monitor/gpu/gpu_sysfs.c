// SPDX-License-Identifier: GPL-2.0
/*
 * AMD GPUs: amdgpu exports the busy percentage it samples from the SMU in
 * /sys/class/drm/cardN/device/gpu_busy_percent, and VRAM figures beside it.
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gpu.h"

/* Card numbers present, sorted, so that indexes stay put between samples. */
static int list_cards(const char *sysfs_root, int *cards, int max)
{
	char path[PATH_MAX];
	struct dirent *de;
	int n = 0, i, j;
	DIR *dir;

	pathf(path, sizeof(path), "%s/class/drm", sysfs_root);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((de = readdir(dir)) && n < max) {
		long card;
		char p[PATH_MAX];

		/* "card0", not the connectors "card0-DP-1". */
		if (strncmp(de->d_name, "card", 4) ||
		    parse_int(de->d_name + 4, 0, INT_MAX, &card))
			continue;
		pathf(p, sizeof(p), "%s/%s/device/gpu_busy_percent", path, de->d_name);
		if (access(p, F_OK))
			continue;
		cards[n++] = card;
	}
	closedir(dir);
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && cards[j - 1] > cards[j]; j--) {
			int t = cards[j];

			cards[j] = cards[j - 1];
			cards[j - 1] = t;
		}
	return n;
}

int gpu_sysfs_sample(const char *sysfs_root, struct gpu_sample *s)
{
	int cards[GPU_MAX], n, i;

	n = list_cards(sysfs_root, cards, GPU_MAX);
	s->nr_gpus = n;
	for (i = 0; i < n; i++) {
		struct gpu_dev *d = &s->dev[i];
		char dir[PATH_MAX], p[PATH_MAX + 32];
		long long v;

		pathf(dir, sizeof(dir), "%s/class/drm/card%d/device", sysfs_root, cards[i]);
		snprintf(d->name, sizeof(d->name), "card%d", cards[i]);
		pathf(p, sizeof(p), "%s/gpu_busy_percent", dir);
		/* Reads fail with EBUSY/EIO while the GPU is in reset or asleep. */
		d->util = read_ll(p, &v) || v < 0 ? -1 : v > 100 ? 100 : (int)v;
		pathf(p, sizeof(p), "%s/mem_info_vram_used", dir);
		d->mem_used = read_ll(p, &v) ? -1 : v;
		pathf(p, sizeof(p), "%s/mem_info_vram_total", dir);
		d->mem_total = read_ll(p, &v) ? -1 : v;
	}
	if (n)
		s->source = "sysfs";
	return n;
}

void gpu_sysfs_pci(const char *sysfs_root, int card_index, char *buf, size_t size)
{
	char path[PATH_MAX], target[PATH_MAX];
	int cards[GPU_MAX], n;
	const char *base;
	ssize_t len;

	buf[0] = '\0';
	n = list_cards(sysfs_root, cards, GPU_MAX);
	if (card_index < 0 || card_index >= n)
		return;
	/* device is a link to the PCI device: its last component is the address. */
	pathf(path, sizeof(path), "%s/class/drm/card%d/device", sysfs_root, cards[card_index]);
	len = readlink(path, target, sizeof(target) - 1);
	if (len <= 0)
		return;
	target[len] = '\0';
	base = strrchr(target, '/');
	str_copy(buf, base ? base + 1 : target, size);
}
