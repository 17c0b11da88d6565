# SPDX-License-Identifier: GPL-2.0
# ai_monitor: every .c in tools/ai_monitor/ is one piece of the one tool.
# The tracer's BPF skeleton comes from bpf/build.mk ($(OUT)/bpf/*.skel.h).
AI_MONITOR_SRCS := $(sort $(wildcard tools/ai_monitor/*.c))
AI_MONITOR_OBJS := $(patsubst tools/%.c,$(OUT)/tools/%.o,$(AI_MONITOR_SRCS))

$(OUT)/tools/ai_monitor/%.o: tools/ai_monitor/%.c $(wildcard tools/ai_monitor/*.h) \
		$(AI_MONITOR_EXTRA_DEPS)
	@mkdir -p $(@D)
	$(CC) $(SHIP_CFLAGS) -I$(OUT)/bpf -Ibpf -c $< -o $@

$(OUT)/ai_monitor: $(AI_MONITOR_OBJS) $(AI_MONITOR_EXTRA_OBJS)
	$(CC) $(SHIP_CFLAGS) $(SHIP_LDFLAGS) -o $@ $^ $(LIBBPF_STATIC) -lncursesw -ltinfo -ldl -lm -lpthread

USER_TARGETS += $(OUT)/ai_monitor
VM_FILES += $(OUT)/ai_monitor:/bin/ai_monitor
