# SPDX-License-Identifier: GPL-2.0
# ai_sched tests (in-VM C programs, tests/cases/3x-ai_sched*.sh) and the
# benchmark's programs (tests/bench/3x-ai_sched*.sh).
AI_SCHED_TESTS := test_ai_sched_errors test_ai_sched_boost test_ai_sched_exit test_ai_sched_rt \
	test_ai_sched_many ai_sched_ctl
AI_SCHED_BENCH := ai_sched_feeder ai_sched_hog

$(addprefix $(OUT)/,$(AI_SCHED_TESTS)): $(OUT)/%: tests/ai_sched/%.c \
		tests/ai_sched/ai_sched_test.h tests/ai_sched/sched_attr.h include/uapi/linux/ai_sched.h \
		tests/lib/tap.h
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -o $@ $< -lpthread

$(addprefix $(OUT)/,$(AI_SCHED_BENCH)): $(OUT)/ai_sched_%: tests/bench/ai_sched/%.c \
		tests/ai_sched/sched_attr.h
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -o $@ $< -lm -lpthread

USER_TARGETS += $(addprefix $(OUT)/,$(AI_SCHED_TESTS) $(AI_SCHED_BENCH))
VM_FILES += $(foreach t,$(AI_SCHED_TESTS) $(AI_SCHED_BENCH),$(OUT)/$(t):/bin/$(t))
