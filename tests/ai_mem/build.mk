# SPDX-License-Identifier: GPL-2.0
# ai_mem test programs (in-VM, tests/cases/2?-ai_mem*.sh) and benchmark
# (tests/bench/20-ai_mem.sh). test_libai links libai.so dynamically, as an
# application would; the rest talk to the ioctl ABI directly.
AI_MEM_TESTS := abi gup frag procs threads numa offsets limits bounded dmabuf
AI_MEM_TEST_DEPS := tests/ai_mem/ai_mem_test.h tests/ai_mem/drm_vgem.h \
	tests/lib/tap.h tests/lib/pagemap.h include/uapi/linux/ai_mem.h

$(OUT)/test_ai_mem_%: tests/ai_mem/test_ai_mem_%.c $(AI_MEM_TEST_DEPS)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -o $@ $< -lpthread

# The 32-bit program: -m32 (gcc-multilib), static so the VM needs no 32-bit
# libc.
$(OUT)/test_ai_mem_compat32: tests/ai_mem/test_ai_mem_compat32.c $(AI_MEM_TEST_DEPS)
	$(CC) $(USER_CFLAGS) -m32 -static -o $@ $<

$(OUT)/test_libai: tests/ai_mem/test_libai.c $(AI_MEM_TEST_DEPS) $(OUT)/libai.so
	$(CC) $(USER_CFLAGS) -Itools/libai -o $@ $< $(OUT)/libai.so -lpthread

$(OUT)/bench_ai_mem: tests/bench/ai_mem/bench_ai_mem.c tests/bench/ai_mem/bench_util.h \
		include/uapi/linux/ai_mem.h
	$(CC) $(USER_CFLAGS) -o $@ $<

$(OUT)/bench_ai_mem_dmabuf: tests/bench/ai_mem/bench_ai_mem_dmabuf.c \
		tests/bench/ai_mem/bench_util.h tests/lib/pagemap.h include/uapi/linux/ai_mem.h
	$(CC) $(USER_CFLAGS) -o $@ $<

USER_TARGETS += $(addprefix $(OUT)/test_ai_mem_,$(AI_MEM_TESTS) compat32) \
	$(OUT)/test_libai $(OUT)/bench_ai_mem $(OUT)/bench_ai_mem_dmabuf
VM_FILES += $(foreach t,$(AI_MEM_TESTS) compat32,$(OUT)/test_ai_mem_$(t):/bin/test_ai_mem_$(t)) \
	$(OUT)/test_libai:/bin/test_libai $(OUT)/bench_ai_mem:/bin/bench_ai_mem \
	$(OUT)/bench_ai_mem_dmabuf:/bin/bench_ai_mem_dmabuf

# Host unit test of libai's address table (includes libai.c).
$(OUT)/test_libai_table: tests/ai_mem/test_libai_table.c tools/libai/libai.c \
		tools/libai/libai.h tests/lib/tap.h
	$(CC) $(USER_CFLAGS) -Itools/libai -o $@ $< -lpthread
USER_TARGETS += $(OUT)/test_libai_table
HOST_TESTS += $(OUT)/test_libai_table
UNIT_TESTS += $(OUT)/test_libai_table
