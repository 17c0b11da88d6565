// SPDX-License-Identifier: GPL-2.0
/* Forgiving readers of /proc/ai_scheduler and /proc/ai_memory (procfs.h). */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "procfs.h"

int pf_read(const char *path, struct pf_file *pf)
{
	static char text[sizeof(pf->raw)];
	ssize_t n;

	memset(pf, 0, sizeof(*pf));
	n = read_file(path, text, sizeof(text));
	if (n < 0) {
		pf->err = n;
		return n;
	}
	pf_parse(pf, text);
	return 0;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int is_number(const char *s)
{
	if (*s == '-' || *s == '+')
		s++;
	return isdigit((unsigned char)*s);
}

/* Fields separated by runs of whitespace; returns their number. */
static int split_ws(char *line, char **f, int max)
{
	char *save, *tok;
	int n = 0;

	for (tok = strtok_r(line, " \t", &save); tok && n < max; tok = strtok_r(NULL, " \t", &save))
		f[n++] = tok;
	return n;
}

/* "A: 1  B: 2\tC: 3 MB": segments end at a tab or at two spaces. */
static void add_kvs(struct pf_file *pf, char *line)
{
	char *seg = line;

	while (seg && *seg) {
		char *end = seg, *colon;

		while (*end && *end != '\t' && !(end[0] == ' ' && end[1] == ' '))
			end++;
		if (*end)
			*end++ = '\0';
		else
			end = NULL;
		colon = strchr(seg, ':');
		if (colon && pf->nkv < PF_KVS) {
			*colon = '\0';
			str_copy(pf->kv[pf->nkv].key, trim(seg), sizeof(pf->kv[0].key));
			str_copy(pf->kv[pf->nkv].val, trim(colon + 1), sizeof(pf->kv[0].val));
			if (pf->kv[pf->nkv].key[0])
				pf->nkv++;
		}
		seg = end;
		while (seg && isspace((unsigned char)*seg))
			seg++;
	}
}

void pf_parse(struct pf_file *pf, const char *text)
{
	struct pf_table *tab = NULL;
	char *line, *save, *buf;
	char header[512] = "";

	memset(pf, 0, sizeof(*pf));
	str_copy(pf->raw, text, sizeof(pf->raw));
	buf = strdup(pf->raw);
	if (!buf)
		return;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char copy[512], *f[PF_COLS];
		int n, i;

		str_copy(copy, line, sizeof(copy));
		n = split_ws(copy, f, PF_COLS);
		if (!n) {
			tab = NULL;
			continue;
		}
		if (is_number(f[0]) && !strchr(line, ':')) {
			/* A row: of the current table, or of the header above it. */
			if (!tab && header[0] && pf->ntables < PF_TABLES) {
				char hcopy[512], *h[PF_COLS];

				tab = &pf->table[pf->ntables++];
				str_copy(hcopy, header, sizeof(hcopy));
				tab->ncols = split_ws(hcopy, h, PF_COLS);
				for (i = 0; i < tab->ncols; i++)
					str_copy(tab->col[i], h[i], PF_CELL);
			}
			if (!tab)
				continue;
			if (tab->nrows == PF_ROWS) {
				tab->truncated = 1;
				continue;
			}
			for (i = 0; i < n && i < tab->ncols; i++)
				str_copy(tab->cell[tab->nrows][i], f[i], PF_CELL);
			tab->nrows++;
			continue;
		}
		tab = NULL;
		header[0] = '\0';
		if (strchr(line, ':')) {
			str_copy(copy, line, sizeof(copy));
			add_kvs(pf, copy);
		} else if (n >= 2) {
			/* Maybe the header of a table: confirmed by a numeric row. */
			str_copy(header, line, sizeof(header));
		}
	}
	free(buf);
}

const char *pf_get(const struct pf_file *pf, const char *const *names)
{
	int i, j;

	for (j = 0; names[j]; j++)
		for (i = 0; i < pf->nkv; i++)
			if (!strcasecmp(pf->kv[i].key, names[j]))
				return pf->kv[i].val;
	return NULL;
}

int pf_value_ll(const char *val, long long *out)
{
	static const struct {
		const char *unit;
		int shift;
	} units[] = {
		{ "B", 0 }, { "bytes", 0 }, { "KB", 10 }, { "KiB", 10 }, { "kB", 10 },
		{ "MB", 20 }, { "MiB", 20 }, { "GB", 30 }, { "GiB", 30 },
	};
	char *end;
	long long v;
	size_t i;

	if (!val)
		return -ENOENT;
	errno = 0;
	v = strtoll(val, &end, 10);
	if (errno || end == val)
		return -EINVAL;
	while (*end == ' ')
		end++;
	for (i = 0; i < ARRAY_SIZE(units); i++) {
		size_t len = strlen(units[i].unit);

		if (!strncmp(end, units[i].unit, len) && !isalpha((unsigned char)end[len])) {
			v <<= units[i].shift;
			break;
		}
	}
	*out = v;
	return 0;
}

int pf_get_ll(const struct pf_file *pf, const char *const *names, long long *out)
{
	return pf_value_ll(pf_get(pf, names), out);
}

int pf_col(const struct pf_table *t, const char *const *names)
{
	int i, j;

	for (j = 0; names[j]; j++)
		for (i = 0; i < t->ncols; i++)
			if (!strcasecmp(t->col[i], names[j]))
				return i;
	return -1;
}

const struct pf_table *pf_table_with(const struct pf_file *pf, const char *const *names)
{
	int i;

	for (i = 0; i < pf->ntables; i++)
		if (pf_col(&pf->table[i], names) >= 0)
			return &pf->table[i];
	return NULL;
}

static const char *const k_pid[] = { "PID", "TGID", "owner", NULL };
static const char *const k_comm[] = { "COMM", "NAME", "COMMAND", NULL };

void sched_view_of(const struct pf_file *pf, struct sched_view *v)
{
	/* ai_sched names the GPU ("GPU 0 Utilization") once it sees several. */
	static const char *const k_util[] = { "GPU Utilization", "GPU 0 Utilization",
					      "GPU Utilisation", "gpu_util", NULL };
	static const char *const k_tasks[] = { "AI Tasks", "Tasks", "tasks", NULL };
	static const char *const k_state[] = { "STATE", "STATUS", NULL };
	static const char *const k_nice[] = { "NICE", "PRIO", "PRIORITY", NULL };
	static const char *const k_gpu[] = { "GPU", NULL };
	const struct pf_table *t;

	memset(v, 0, sizeof(*v));
	v->loaded = !pf->err;
	if (pf_get_ll(pf, k_util, &v->gpu_util))
		v->gpu_util = -1;
	t = pf_table_with(pf, k_pid);
	v->tasks = t;
	if (pf_get_ll(pf, k_tasks, &v->nr_tasks))
		v->nr_tasks = t ? t->nrows : -1;
	v->col_pid = t ? pf_col(t, k_pid) : -1;
	v->col_state = t ? pf_col(t, k_state) : -1;
	v->col_comm = t ? pf_col(t, k_comm) : -1;
	v->col_nice = t ? pf_col(t, k_nice) : -1;
	v->col_gpu = t ? pf_col(t, k_gpu) : -1;
}

void mem_view_of(const struct pf_file *pf, struct mem_view *v)
{
	static const char *const k_total[] = { "Total Pool Size", "Pool Size", "Total", "pool_bytes", NULL };
	static const char *const k_used[] = { "Allocated", "Used", "used_bytes", NULL };
	static const char *const k_free[] = { "Free", "free_bytes", NULL };
	static const char *const k_block[] = { "Block Size", "block_size", NULL };
	static const char *const k_bytes[] = { "BYTES", "SIZE", "ALLOCATED", NULL };
	static const char *const k_blocks[] = { "BLOCKS", NULL };
	const struct pf_table *t;

	memset(v, 0, sizeof(*v));
	v->loaded = !pf->err;
	if (pf_get_ll(pf, k_total, &v->total))
		v->total = -1;
	if (pf_get_ll(pf, k_used, &v->used))
		v->used = -1;
	if (pf_get_ll(pf, k_free, &v->free))
		v->free = -1;
	if (pf_get_ll(pf, k_block, &v->block))
		v->block = -1;
	if (v->free < 0 && v->total >= 0 && v->used >= 0)
		v->free = v->total - v->used;
	if (v->used < 0 && v->total >= 0 && v->free >= 0)
		v->used = v->total - v->free;
	t = pf_table_with(pf, k_pid);
	v->owners = t;
	v->col_pid = t ? pf_col(t, k_pid) : -1;
	v->col_comm = t ? pf_col(t, k_comm) : -1;
	v->col_bytes = t ? pf_col(t, k_bytes) : -1;
	v->col_blocks = t ? pf_col(t, k_blocks) : -1;
}

long long mem_owner_bytes(const struct mem_view *v, int row)
{
	long long n;

	if (!v->owners || row < 0 || row >= v->owners->nrows)
		return -1;
	if (v->col_bytes >= 0 && !pf_value_ll(v->owners->cell[row][v->col_bytes], &n))
		return n;
	if (v->col_blocks >= 0 && v->block > 0 &&
	    !pf_value_ll(v->owners->cell[row][v->col_blocks], &n))
		return n * v->block;
	return -1;
}
