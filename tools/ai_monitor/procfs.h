/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Readers of /proc/ai_scheduler and /proc/ai_memory. The files are meant
 * for people first, so the parser is deliberately forgiving: it collects
 * "Key: value" pairs (several per line when separated by two spaces or a
 * tab) and tables (a header line of column names followed by rows whose
 * first field is a number). Anything else is kept only in raw[]. A field
 * the parser cannot find reads as unknown, never as zero.
 */
#ifndef AI_MONITOR_PROCFS_H
#define AI_MONITOR_PROCFS_H

#include "util.h"

#define PF_KVS		48
#define PF_TABLES	4
#define PF_COLS		12
#define PF_ROWS		64
#define PF_CELL		32

struct pf_kv {
	char key[48];
	char val[96];
};

struct pf_table {
	int ncols;
	char col[PF_COLS][PF_CELL];
	int nrows;
	int truncated;			/* more rows than PF_ROWS */
	char cell[PF_ROWS][PF_COLS][PF_CELL];
};

struct pf_file {
	int err;			/* 0, or -errno of the read (-ENOENT: not loaded) */
	int nkv;
	struct pf_kv kv[PF_KVS];
	int ntables;
	struct pf_table table[PF_TABLES];
	char raw[8192];
};

/* Read and parse path. Returns pf->err. */
int pf_read(const char *path, struct pf_file *pf);
/* Parse text (modified in place into raw[] first). */
void pf_parse(struct pf_file *pf, const char *text);

/* Value of the first key equal to (ignoring case) one of the NULL-ended names. */
const char *pf_get(const struct pf_file *pf, const char *const *names);
/*
 * Leading number of a value, scaled by its unit when it has one (B, KB,
 * KiB, MB, MiB, GB, GiB: powers of 1024; %, ms and plain numbers as they
 * are). Returns 0, or -ENOENT/-EINVAL.
 */
int pf_value_ll(const char *val, long long *out);
int pf_get_ll(const struct pf_file *pf, const char *const *names, long long *out);

/* Column index (names compared ignoring case) in table t, or -1. */
int pf_col(const struct pf_table *t, const char *const *names);
/* First table that has one of these columns, or NULL. */
const struct pf_table *pf_table_with(const struct pf_file *pf, const char *const *names);

/* The two files, as the monitor uses them. */
struct sched_view {
	int loaded;
	long long gpu_util;		/* -1: unknown */
	long long nr_tasks;		/* -1: unknown */
	const struct pf_table *tasks;	/* NULL: no task table */
	int col_pid, col_state, col_comm, col_nice, col_gpu;
};

struct mem_view {
	int loaded;
	long long total, used, free, block;	/* bytes; -1: unknown */
	const struct pf_table *owners;	/* NULL: no per-owner table */
	int col_pid, col_comm, col_bytes, col_blocks;
};

void sched_view_of(const struct pf_file *pf, struct sched_view *v);
void mem_view_of(const struct pf_file *pf, struct mem_view *v);
/* Bytes a row of the owner table holds, -1 unknown. */
long long mem_owner_bytes(const struct mem_view *v, int row);

#endif /* AI_MONITOR_PROCFS_H */
