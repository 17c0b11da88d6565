/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tap.h - a tiny TAP producer for our C tests (host and in-VM).
 *
 * Each check prints "ok N - name" or "not ok N - name"; skips print
 * "ok N - name # SKIP reason". The harness (tests/vm/report.awk) counts
 * those lines, so a test program only has to call tap_done() at the end,
 * whose return value is the exit status (non-zero when any check failed).
 */
#ifndef AI_TESTS_TAP_H
#define AI_TESTS_TAP_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n;
static int tap_failed;

static inline void tap_vresult(int pass, const char *fmt, va_list ap)
{
	printf("%sok %d - ", pass ? "" : "not ", ++tap_n);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
	if (!pass)
		tap_failed++;
}

/* ok(cond, "name %d", x): one check. Returns cond so callers can chain. */
static inline int __attribute__((format(printf, 2, 3)))
ok(int cond, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vresult(!!cond, fmt, ap);
	va_end(ap);
	return !!cond;
}

static inline void __attribute__((format(printf, 1, 2)))
diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static inline void __attribute__((format(printf, 2, 3)))
skip(const char *reason, const char *fmt, ...)
{
	va_list ap;

	printf("ok %d - ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" # SKIP %s\n", reason);
	fflush(stdout);
}

/* is_int(got, want, name...): equality with both values in the diagnostic. */
#define is_int(got, want, ...) ({					\
	long long __g = (long long)(got), __w = (long long)(want);	\
	int __r = ok(__g == __w, __VA_ARGS__);				\
	if (!__r)							\
		diag("  got %lld, want %lld", __g, __w);		\
	__r; })

/*
 * is_errno(expr, errno_want, name...): expr must return -1 with errno set to
 * errno_want (the usual libc convention for a failing syscall).
 */
#define is_errno(expr, want, ...) ({					\
	long __rv; int __e;						\
	errno = 0;							\
	__rv = (long)(expr);						\
	__e = errno;							\
	int __r = ok(__rv == -1 && __e == (want), __VA_ARGS__);	\
	if (!__r)							\
		diag("  returned %ld errno %d (%s), want -1 errno %d (%s)", \
		     __rv, __e, strerror(__e), (int)(want), strerror(want)); \
	__r; })

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	fflush(stdout);
	return tap_failed ? 1 : 0;
}

#endif /* AI_TESTS_TAP_H */
