# SPDX-License-Identifier: GPL-2.0
# Host unit tests of pure logic (no kernel).

# The uapi headers alone, as user space gets them: C89-clean, no holes.
$(OUT)/test_uapi_layout: tests/unit/test_uapi_layout.c include/uapi/linux/ai_mem.h \
		include/uapi/linux/ai_sched.h tests/lib/tap.h
	$(CC) $(USER_CFLAGS) -Wpadded -Werror=padded -o $@ $<

# Each uapi header compiles on its own, in strict C89 as well.
$(OUT)/uapi-headers.stamp: include/uapi/linux/ai_mem.h include/uapi/linux/ai_sched.h
	@mkdir -p $(@D)
	for h in $^; do \
		echo "#include <linux/$$(basename $$h)>" | \
		$(CC) -std=c89 -pedantic -Wall -Werror -Iinclude/uapi -x c -fsyntax-only - || exit 1; \
	done
	touch $@

USER_TARGETS += $(OUT)/test_uapi_layout $(OUT)/uapi-headers.stamp
HOST_TESTS += $(OUT)/test_uapi_layout
UNIT_TESTS += $(OUT)/test_uapi_layout
