/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proc_key.h - one number from a "Key: value" line of a /proc status file
 * (/proc/ai_memory, /proc/ai_scheduler), for the test programs.
 */
#ifndef AI_TESTS_PROC_KEY_H
#define AI_TESTS_PROC_KEY_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The number after @key at the start of a line of @path, or -1. */
static inline long proc_key(const char *path, const char *key)
{
	char line[256];
	long v = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key))) {
			v = strtol(line + strlen(key), NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

#endif /* AI_TESTS_PROC_KEY_H */
