# SPDX-License-Identifier: GPL-2.0
# ai_monitor: every .c in tools/ai_monitor/ and its folders is one piece of
# the one tool. At the top, the commands and what they share; gpu/, where
# GPU utilisation comes from (NVML, amdgpu sysfs, DRM fdinfo); sched/, the
# agent's levers (/dev/ai_sched, and the group weights); tracer/, the
# launch tracer's library (trace_lib.h); export/, Prometheus and JSON. The
# tracer's BPF skeleton comes from bpf/build.mk ($(OUT)/bpf/*.skel.h).
AI_MONITOR_DIRS := tools/ai_monitor tools/ai_monitor/gpu tools/ai_monitor/tracer \
	tools/ai_monitor/sched tools/ai_monitor/export
AI_MONITOR_SRCS := $(sort $(foreach d,$(AI_MONITOR_DIRS),$(wildcard $(d)/*.c)))
AI_MONITOR_OBJS := $(patsubst tools/%.c,$(OUT)/tools/%.o,$(AI_MONITOR_SRCS))
AI_MONITOR_HDRS := $(foreach d,$(AI_MONITOR_DIRS),$(wildcard $(d)/*.h))
AI_MONITOR_INC := $(addprefix -I,$(AI_MONITOR_DIRS))

$(OUT)/tools/ai_monitor/%.o: tools/ai_monitor/%.c $(AI_MONITOR_HDRS) $(AI_MONITOR_EXTRA_DEPS)
	@mkdir -p $(@D)
	$(CC) $(SHIP_CFLAGS) $(AI_MONITOR_INC) -I$(OUT)/bpf -Ibpf -c $< -o $@

$(OUT)/ai_monitor: $(AI_MONITOR_OBJS) $(AI_MONITOR_EXTRA_OBJS)
	$(CC) $(SHIP_CFLAGS) $(SHIP_LDFLAGS) -o $@ $^ $(LIBBPF_STATIC) -lncursesw -ltinfo -ldl -lm -lpthread

USER_TARGETS += $(OUT)/ai_monitor
VM_FILES += $(OUT)/ai_monitor:/bin/ai_monitor
