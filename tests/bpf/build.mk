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

# A runtime that calls the driver, for the cross-check (tests/bpf/fake_cudart.c).
FAKECUDART := $(OUT)/fakecudart/libcudart.so.13

$(FAKECUDART): tests/bpf/fake_cudart.c
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -fPIC -shared -fvisibility=hidden \
		-Wl,-soname,libcudart.so.13 -o $@ $< -ldl

$(OUT)/cuda_app: tests/bpf/cuda_app.c
	$(CC) $(USER_CFLAGS) -o $@ $< -ldl

# Validates `ai_monitor trace --json` where there is no python (the VM).
$(OUT)/json_check: tests/bpf/json_check.c
	$(CC) $(USER_CFLAGS) -o $@ $<

# Pure histogram math: bucket bounds and percentiles.
GT_DIR := tools/ai_monitor/tracer
$(OUT)/test_trace_hist: tests/bpf/test_trace_hist.c $(GT_DIR)/trace_hist.c $(GT_DIR)/trace_apis.c \
		$(GT_DIR)/trace_lib.h bpf/gpu_tracer.h
	$(CC) $(USER_CFLAGS) -Ibpf -I$(GT_DIR) -o $@ tests/bpf/test_trace_hist.c \
		$(GT_DIR)/trace_hist.c $(GT_DIR)/trace_apis.c -lm

# Probe placement: which prologue instructions are skipped.
$(OUT)/test_trace_insn: tests/bpf/test_trace_insn.c $(GT_DIR)/trace_insn.c $(GT_DIR)/trace_lib.h
	$(CC) $(USER_CFLAGS) -Ibpf -I$(GT_DIR) -o $@ tests/bpf/test_trace_insn.c \
		$(GT_DIR)/trace_insn.c

# The tracer end to end, through trace_lib (host as root, and in the VM).
GT_LIB_OBJS := $(patsubst tools/%.c,$(OUT)/tools/%.o,$(sort $(wildcard $(GT_DIR)/*.c)))
$(OUT)/test_gpu_tracer: tests/bpf/test_gpu_tracer.c $(GT_LIB_OBJS) \
		$(GT_DIR)/trace_lib.h bpf/gpu_tracer.h
	$(CC) $(USER_CFLAGS) -Ibpf -I$(GT_DIR) -o $@ tests/bpf/test_gpu_tracer.c \
		$(GT_LIB_OBJS) $(LIBBPF_STATIC) -lm -lpthread

# A real CUDA program, where the toolkit is installed (docs/gpu_tracer.md):
# nvcc's default links the runtime in statically; the other copy uses
# libcudart.so. tests/bpf/trace-runtime.sh skips without them.
NVCC ?= $(firstword $(wildcard /usr/local/cuda/bin/nvcc) $(shell command -v nvcc 2>/dev/null))
ifneq ($(NVCC),)
$(OUT)/cuda_rt_static: tests/bpf/cuda_rt_app.cu
	$(NVCC) -O2 -o $@ $<
$(OUT)/cuda_rt_shared: tests/bpf/cuda_rt_app.cu
	$(NVCC) -O2 -cudart shared -o $@ $<
USER_TARGETS += $(OUT)/cuda_rt_static $(OUT)/cuda_rt_shared
endif

# AMD's real HIP runtime, called with no GPU (every call fails, each is traced).
$(OUT)/hip_app: tests/bpf/hip_app.c
	$(CC) $(USER_CFLAGS) -o $@ $< -ldl

USER_TARGETS += $(OUT)/hip_app
HOST_TESTS += tests/bpf/trace-runtime.sh

USER_TARGETS += $(FAKECUDA) $(FAKECUDART) $(OUT)/cuda_app $(OUT)/json_check $(OUT)/test_trace_hist \
	$(OUT)/test_trace_insn \
	$(OUT)/test_gpu_tracer
VM_FILES += $(FAKECUDA):/usr/lib/x86_64-linux-gnu/libcuda.so.1 \
	$(OUT)/cuda_app:/bin/cuda_app $(OUT)/json_check:/bin/json_check \
	$(OUT)/test_gpu_tracer:/bin/test_gpu_tracer tests/bpf/trace-cli.sh:/bin/trace-cli.sh
HOST_TESTS += $(OUT)/test_trace_hist $(OUT)/test_trace_insn $(OUT)/test_gpu_tracer tests/bpf/trace-cli.sh
UNIT_TESTS += $(OUT)/test_trace_hist $(OUT)/test_trace_insn
