// SPDX-License-Identifier: GPL-2.0
/*
 * json_check - validates `ai_monitor trace --json` output where python is
 * not available (the test VM), and reduces it to lines a shell can compare
 * with the text mode:
 *
 *	row PID API COUNT		one per process/sync entry
 *	bucket PID API LO_NS COUNT	one per histogram bucket
 *
 * Each input line must be one JSON object (RFC 8259 syntax, checked
 * strictly) with the documented keys; exits 1 naming the first problem.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

enum type { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct node {
	enum type type;
	double num;
	char *str;		/* J_STR value */
	char *key;		/* member name, inside an object */
	struct node *kids, *next;
};

static const char *p;
static const char *fail;

static void ws(void)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
}

static struct node *new_node(enum type t)
{
	struct node *n = calloc(1, sizeof(*n));

	if (!n) {
		perror("json_check");
		exit(2);
	}
	n->type = t;
	return n;
}

static void free_node(struct node *n)
{
	while (n) {
		struct node *next = n->next;

		free_node(n->kids);
		free(n->str);
		free(n->key);
		free(n);
		n = next;
	}
}

static char *parse_string(void)
{
	size_t cap = 32, len = 0;
	char *s = malloc(cap);

	if (!s || *p != '"')
		goto bad;
	p++;
	while (*p != '"') {
		char c = *p++;

		if ((unsigned char)c < 0x20)
			goto bad;
		if (c == '\\') {
			c = *p++;
			if (c == 'u') {
				int i;

				for (i = 0; i < 4; i++)
					if (!isxdigit((unsigned char)p[i]))
						goto bad;
				p += 4;
				c = '?';
			} else if (!strchr("\"\\/bfnrt", c)) {
				goto bad;
			}
		}
		if (len + 2 > cap) {
			char *t = realloc(s, cap *= 2);

			if (!t)
				goto bad;
			s = t;
		}
		s[len++] = c;
	}
	p++;
	s[len] = '\0';
	return s;
bad:
	free(s);
	fail = "bad string";
	return NULL;
}

static struct node *parse_value(int depth);

static struct node *parse_members(enum type t, char close, int depth)
{
	struct node *n = new_node(t), **tail = &n->kids;

	p++;
	ws();
	if (*p == close) {
		p++;
		return n;
	}
	for (;;) {
		char *key = NULL;
		struct node *v;

		ws();
		if (t == J_OBJ) {
			key = parse_string();
			ws();
			if (!key || *p++ != ':') {
				free(key);
				fail = fail ? fail : "expected ':'";
				goto bad;
			}
		}
		v = parse_value(depth + 1);
		if (!v) {
			free(key);
			goto bad;
		}
		v->key = key;
		*tail = v;
		tail = &v->next;
		ws();
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p++ == close)
			return n;
		fail = "expected ',' or a closing bracket";
		goto bad;
	}
bad:
	free_node(n);
	return NULL;
}

static struct node *parse_value(int depth)
{
	struct node *n;
	char *end;

	ws();
	if (depth > 16) {
		fail = "nested too deep";
		return NULL;
	}
	if (*p == '{')
		return parse_members(J_OBJ, '}', depth);
	if (*p == '[')
		return parse_members(J_ARR, ']', depth);
	if (*p == '"') {
		char *s = parse_string();

		if (!s)
			return NULL;
		n = new_node(J_STR);
		n->str = s;
		return n;
	}
	if (!strncmp(p, "true", 4) || !strncmp(p, "null", 4) || !strncmp(p, "false", 5)) {
		n = new_node(*p == 'n' ? J_NULL : J_BOOL);
		p += *p == 'f' ? 5 : 4;
		return n;
	}
	/* JSON numbers: no leading '+', no leading zeros, no bare '.'. */
	if (*p == '-' || isdigit((unsigned char)*p)) {
		const char *d = p + (*p == '-');

		if (!isdigit((unsigned char)*d) || (d[0] == '0' && isdigit((unsigned char)d[1]))) {
			fail = "bad number";
			return NULL;
		}
		n = new_node(J_NUM);
		n->num = strtod(p, &end);
		p = end;
		return n;
	}
	fail = "unexpected character";
	return NULL;
}

static struct node *get(const struct node *obj, const char *key, enum type t)
{
	struct node *k;

	for (k = obj->kids; k; k = k->next)
		if (k->key && !strcmp(k->key, key))
			return k->type == t ? k : NULL;
	return NULL;
}

static const char *check_rows(const struct node *arr)
{
	static const char *const nums[] = { "pid", "launches", "p50_ns", "p95_ns", "p99_ns" };
	const struct node *r, *b;
	unsigned int i;

	for (r = arr->kids; r; r = r->next) {
		const struct node *api = get(r, "api", J_STR), *h = get(r, "histogram", J_ARR);
		double sum = 0;

		if (r->type != J_OBJ || !api || !h || !get(r, "comm", J_STR))
			return "a row lacks api, comm or histogram";
		for (i = 0; i < ARRAY_SIZE(nums); i++)
			if (!get(r, nums[i], J_NUM))
				return "a row lacks a number (pid, launches, p50/p95/p99_ns)";
		if (get(r, "p50_ns", J_NUM)->num > get(r, "p95_ns", J_NUM)->num ||
		    get(r, "p95_ns", J_NUM)->num > get(r, "p99_ns", J_NUM)->num)
			return "percentiles out of order";
		printf("row %.0f %s %.0f\n", get(r, "pid", J_NUM)->num, api->str,
		       get(r, "launches", J_NUM)->num);
		for (b = h->kids; b; b = b->next) {
			const struct node *lo = get(b, "lo_ns", J_NUM), *hi = get(b, "hi_ns", J_NUM);
			const struct node *c = get(b, "count", J_NUM);

			if (!lo || !hi || !c || lo->num >= hi->num || c->num <= 0)
				return "bad histogram bucket";
			sum += c->num;
			printf("bucket %.0f %s %.0f %.0f\n", get(r, "pid", J_NUM)->num, api->str,
			       lo->num, c->num);
		}
		if (sum != get(r, "launches", J_NUM)->num)
			return "histogram does not add up to launches";
	}
	return NULL;
}

int main(void)
{
	static char line[1 << 20];
	unsigned long lineno = 0;
	const char *why;

	while (fgets(line, sizeof(line), stdin)) {
		struct node *root;

		lineno++;
		p = line;
		fail = NULL;
		root = parse_value(0);
		if (root) {
			ws();
			if (*p)
				fail = "trailing characters";
		}
		why = fail;
		if (!why && root->type != J_OBJ)
			why = "not an object";
		if (!why && (!get(root, "interval_s", J_NUM) || !get(root, "dropped", J_NUM) ||
			     !get(root, "processes", J_ARR) || !get(root, "sync", J_ARR)))
			why = "lacks interval_s, processes, sync or dropped";
		if (!why)
			why = check_rows(get(root, "processes", J_ARR));
		if (!why)
			why = check_rows(get(root, "sync", J_ARR));
		free_node(root);
		if (why) {
			fprintf(stderr, "json_check: line %lu: %s at offset %ld\n", lineno, why,
				(long)(p - line));
			return 1;
		}
	}
	if (!lineno) {
		fprintf(stderr, "json_check: no input\n");
		return 1;
	}
	return 0;
}
