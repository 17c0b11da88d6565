# SPDX-License-Identifier: GPL-2.0
# ai_monitor's tests (docs/ai_monitor.md): unit tests of its pure logic, the
# GPU sources against fakes, host scripts (dashboard under tmux, /metrics
# through promtool, status JSON), and the NVML test double used everywhere.
#
# $(OUT)/fake-nvml/libnvidia-ml.so.1 stands in for NVIDIA's library: it
# re-reads $FAKE_NVML_STATE on every call (tests/monitor/fake_nvml.c). It is
# alone in its directory so that LD_LIBRARY_PATH=$(OUT)/fake-nvml selects it.
FAKE_NVML := $(OUT)/fake-nvml/libnvidia-ml.so.1

$(FAKE_NVML): tests/monitor/fake_nvml.c tools/ai_monitor/gpu/nvml_types.h
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -fPIC -shared -Wl,-soname,libnvidia-ml.so.1 -o $@ $<

MON_GPU_SRCS := tools/ai_monitor/util.c \
	$(addprefix tools/ai_monitor/gpu/,gpu.c gpu_nvml.c gpu_sysfs.c gpu_fdinfo.c)
# The test finds the fake through its RUNPATH, the way dlopen() would find
# the real one through ld.so.cache.
$(OUT)/test_monitor_gpu: tests/monitor/test_monitor_gpu.c $(MON_GPU_SRCS) \
		$(wildcard tools/ai_monitor/*.h tools/ai_monitor/gpu/*.h) | $(FAKE_NVML)
	$(CC) $(USER_CFLAGS) $(AI_MONITOR_INC) -o $@ tests/monitor/test_monitor_gpu.c \
		$(MON_GPU_SRCS) -ldl \
		-Wl,-rpath,'$$ORIGIN/fake-nvml'

MON_PARSE_OBJS := $(addprefix $(OUT)/tools/ai_monitor/,util.o procfs.o export/prom.o \
	launch_stats.o) \
	$(GT_LIB_OBJS)
$(OUT)/test_monitor_parse: tests/monitor/test_monitor_parse.c $(MON_PARSE_OBJS)
	$(CC) $(USER_CFLAGS) $(AI_MONITOR_INC) -Ibpf -I$(OUT)/bpf -o $@ $< $(MON_PARSE_OBJS) \
		$(LIBBPF_STATIC) -lm -lpthread

USER_TARGETS += $(FAKE_NVML) $(OUT)/test_monitor_gpu $(OUT)/test_monitor_parse
VM_FILES += $(FAKE_NVML):/lib/fake-nvml/libnvidia-ml.so.1 tests/monitor/vm-lib.sh:/lib/monitor.sh
UNIT_TESTS += $(OUT)/test_monitor_gpu $(OUT)/test_monitor_parse
HOST_TESTS += $(OUT)/test_monitor_gpu $(OUT)/test_monitor_parse \
	tests/monitor/status-json.sh tests/monitor/metrics-promtool.sh \
	tests/monitor/dashboard-tmux.sh
