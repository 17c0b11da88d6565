/* SPDX-License-Identifier: GPL-2.0 */
/* Small helpers shared by the ai_monitor subcommands (no state). */
#ifndef AI_MONITOR_UTIL_H
#define AI_MONITOR_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Where the tools look; tests point these at fake trees. */
struct mon_roots {
	const char *proc;	/* default "/proc" */
	const char *sysfs;	/* default "/sys" */
	const char *sched_dev;	/* default "/dev/ai_sched" */
};

void mon_roots_default(struct mon_roots *r);

/*
 * Read a whole (small) file into buf, NUL-terminated. Returns the length, or
 * -errno. Content beyond size - 1 bytes is dropped: callers size the buffer
 * for the files they read (proc and sysfs files here are a few KiB).
 */
ssize_t read_file(const char *path, char *buf, size_t size);

/* Read a file holding one decimal integer. Returns 0 or -errno. */
int read_ll(const char *path, long long *val);

/*
 * snprintf() for paths: returns 0, or -ENAMETOOLONG when the result did not
 * fit (buf then holds "" so a truncated path is never opened).
 */
int pathf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

uint64_t now_ns(void);

/* strtoll/strtoul with the whole string required to be a number. */
int parse_int(const char *s, long min, long max, long *out);

/* Copy at most size - 1 bytes and always terminate. */
void str_copy(char *dst, const char *src, size_t size);

/* Human units: "1.5 GiB", "512 KiB", "17 B" into buf. */
const char *fmt_bytes(char *buf, size_t size, long long bytes);

#endif /* AI_MONITOR_UTIL_H */
