# SPDX-License-Identifier: GPL-2.0
# ai_fuzz: the ABI-aware fuzzer of /dev/ai_mem and /dev/ai_sched (in-VM,
# tests/cases/60-fuzz.sh; `make soak` for a long run).
AI_FUZZ_SRCS := tests/fuzz/ai_fuzz.c tests/fuzz/fuzz_mem.c tests/fuzz/fuzz_sched.c

$(OUT)/ai_fuzz: $(AI_FUZZ_SRCS) tests/fuzz/fuzz.h tests/lib/tap.h \
		include/uapi/linux/ai_mem.h include/uapi/linux/ai_sched.h
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -o $@ $(AI_FUZZ_SRCS) -lpthread

USER_TARGETS += $(OUT)/ai_fuzz
VM_FILES += $(OUT)/ai_fuzz:/bin/ai_fuzz
