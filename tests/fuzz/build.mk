# SPDX-License-Identifier: GPL-2.0
# ai_fuzz: the ABI-aware fuzzer of /dev/ai_mem and /dev/ai_sched (in-VM,
# tests/cases/60-fuzz.sh; `make soak` for a long run).
AI_FUZZ_SRCS := tests/fuzz/ai_fuzz.c tests/fuzz/fuzz_mem.c tests/fuzz/fuzz_dmabuf.c \
	tests/fuzz/fuzz_gup.c tests/fuzz/fuzz_sched.c

$(OUT)/ai_fuzz: $(AI_FUZZ_SRCS) tests/fuzz/fuzz.h tests/lib/tap.h tests/lib/proc_key.h \
		include/uapi/linux/ai_mem.h include/uapi/linux/ai_sched.h
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -o $@ $(AI_FUZZ_SRCS) -lpthread

USER_TARGETS += $(OUT)/ai_fuzz
VM_FILES += $(OUT)/ai_fuzz:/bin/ai_fuzz

# One-file tools: ai_failnth fails each allocation of our modules in turn
# through the kernel's fail-nth, ai_failunload each one of their unloads
# (debug kernel; tests/cases/61-faultinj.sh); ai_kill9 kills users
# mid-ALLOC/mmap/REGISTER (tests/cases/62-lifecycle.sh).
FUZZ_TOOLS := ai_failnth ai_failunload ai_kill9

$(addprefix $(OUT)/,$(FUZZ_TOOLS)): $(OUT)/%: tests/fuzz/%.c tests/lib/tap.h tests/lib/proc_key.h \
		tests/fuzz/failnth.h include/uapi/linux/ai_mem.h include/uapi/linux/ai_sched.h
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -o $@ $<

USER_TARGETS += $(addprefix $(OUT)/,$(FUZZ_TOOLS))
VM_FILES += $(foreach t,$(FUZZ_TOOLS),$(OUT)/$(t):/bin/$(t))

# Debian's trinity (set-up installs it), aimed at our devices on the debug
# kernel by tests/cases/63-trinity.sh.
VM_FILES += $(if $(wildcard /usr/bin/trinity),/usr/bin/trinity:/usr/bin/trinity)
