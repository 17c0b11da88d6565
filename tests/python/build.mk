# SPDX-License-Identifier: GPL-2.0
# The Python binding (tools/python/ai_native) checked against the C uapi
# headers and its own pure logic, on the host.
$(OUT)/uapi_dump: tests/python/uapi_dump.c include/uapi/linux/ai_mem.h include/uapi/linux/ai_sched.h
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -o $@ $<

USER_TARGETS += $(OUT)/uapi_dump
HOST_TESTS += tests/python/test_ai_native.py
UNIT_TESTS += tests/python/test_ai_native.py
