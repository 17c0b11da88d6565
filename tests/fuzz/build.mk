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

# ai_failnth: fails each allocation of our modules in turn through the
# kernel's fail-nth (debug kernel; tests/cases/61-faultinj.sh).
$(OUT)/ai_failnth: tests/fuzz/ai_failnth.c tests/lib/tap.h \
		include/uapi/linux/ai_mem.h include/uapi/linux/ai_sched.h
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -o $@ $<

USER_TARGETS += $(OUT)/ai_failnth
VM_FILES += $(OUT)/ai_failnth:/bin/ai_failnth

# ai_kill9: users killed mid-ALLOC/mmap/REGISTER (tests/cases/62-lifecycle.sh).
$(OUT)/ai_kill9: tests/fuzz/ai_kill9.c tests/lib/tap.h \
		include/uapi/linux/ai_mem.h include/uapi/linux/ai_sched.h
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -o $@ $<

USER_TARGETS += $(OUT)/ai_kill9
VM_FILES += $(OUT)/ai_kill9:/bin/ai_kill9

# Debian's trinity (set-up installs it), aimed at our devices on the debug
# kernel by tests/cases/63-trinity.sh.
VM_FILES += $(if $(wildcard /usr/bin/trinity),/usr/bin/trinity:/usr/bin/trinity)
