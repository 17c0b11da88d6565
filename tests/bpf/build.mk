# SPDX-License-Identifier: GPL-2.0
# The CUDA launch tracer's fixture and tests (docs/gpu_tracer.md).
#
# $(OUT)/fakecuda/libcuda.so.1 is a test double of NVIDIA's driver library,
# alone in its directory so LD_LIBRARY_PATH=$(OUT)/fakecuda picks it up. In
# the VM it sits where Debian's driver package puts the real one, so the
# tracer finds it the way it would find the real one.
FAKECUDA := $(OUT)/fakecuda/libcuda.so.1

$(FAKECUDA): tests/bpf/fake_libcuda.c
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -fPIC -shared -fvisibility=hidden -fno-ipa-icf \
		-Wl,-soname,libcuda.so.1 -o $@ $<

$(OUT)/cuda_app: tests/bpf/cuda_app.c
	$(CC) $(USER_CFLAGS) -o $@ $< -ldl

# Validates `ai_monitor trace --json` where there is no python (the VM).
$(OUT)/json_check: tests/bpf/json_check.c
	$(CC) $(USER_CFLAGS) -o $@ $<

# Pure histogram math: bucket bounds and percentiles.
$(OUT)/test_trace_hist: tests/bpf/test_trace_hist.c tools/ai_monitor/trace_hist.c \
		tools/ai_monitor/trace_lib.h bpf/gpu_tracer.h
	$(CC) $(USER_CFLAGS) -Ibpf -Itools/ai_monitor -o $@ tests/bpf/test_trace_hist.c \
		tools/ai_monitor/trace_hist.c

# Probe placement: which prologue instructions are skipped.
$(OUT)/test_trace_insn: tests/bpf/test_trace_insn.c tools/ai_monitor/trace_libcuda.c \
		tools/ai_monitor/trace_lib.h
	$(CC) $(USER_CFLAGS) -Ibpf -Itools/ai_monitor -o $@ tests/bpf/test_trace_insn.c \
		tools/ai_monitor/trace_libcuda.c -lelf

# The tracer end to end, through trace_lib (host as root, and in the VM).
GT_LIB_OBJS := $(addprefix $(OUT)/tools/ai_monitor/,trace_lib.o trace_libcuda.o trace_hist.o)
$(OUT)/test_gpu_tracer: tests/bpf/test_gpu_tracer.c $(GT_LIB_OBJS) \
		tools/ai_monitor/trace_lib.h bpf/gpu_tracer.h
	$(CC) $(USER_CFLAGS) -Ibpf -Itools/ai_monitor -o $@ tests/bpf/test_gpu_tracer.c \
		$(GT_LIB_OBJS) $(LIBBPF_STATIC)

USER_TARGETS += $(FAKECUDA) $(OUT)/cuda_app $(OUT)/json_check $(OUT)/test_trace_hist \
	$(OUT)/test_trace_insn \
	$(OUT)/test_gpu_tracer
VM_FILES += $(FAKECUDA):/usr/lib/x86_64-linux-gnu/libcuda.so.1 \
	$(OUT)/cuda_app:/bin/cuda_app $(OUT)/json_check:/bin/json_check \
	$(OUT)/test_gpu_tracer:/bin/test_gpu_tracer tests/bpf/trace-cli.sh:/bin/trace-cli.sh
HOST_TESTS += $(OUT)/test_trace_hist $(OUT)/test_trace_insn $(OUT)/test_gpu_tracer tests/bpf/trace-cli.sh
UNIT_TESTS += $(OUT)/test_trace_hist $(OUT)/test_trace_insn
