// SPDX-License-Identifier: GPL-2.0
/*
 * guest_libai - libai from the installed package, built in the guest with
 * `pkg-config --cflags --libs libai`: allocate, map, write, free, or with
 * "denied" expect EACCES.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <libai.h>

int main(int argc, char **argv)
{
	const size_t len = 1 << 20;
	char *p = ai_alloc_pinned(len);

	if (argc > 1 && !strcmp(argv[1], "denied")) {
		printf("%s - libai outside the group: %s\n",
		       !p && errno == EACCES ? "ok 1" : "not ok 1", strerror(errno));
		return !(!p && errno == EACCES);
	}
	if (!p) {
		printf("not ok 1 - ai_alloc_pinned(1 MiB): %s\n", strerror(errno));
		return 1;
	}
	memset(p, 0x5a, len);
	printf("%s - libai: 1 MiB allocated, mapped, written\n",
	       p[len - 1] == 0x5a ? "ok 1" : "not ok 1");
	ai_free_pinned(p);
	printf("ok 2 - libai: freed\n");
	return 0;
}
