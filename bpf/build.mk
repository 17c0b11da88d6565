# SPDX-License-Identifier: GPL-2.0
# The CUDA launch tracer: BPF object and its libbpf skeleton.
#
# No vmlinux.h: the programs read only the user-space register file of a
# uprobe (struct pt_regs, a uapi type) and call helpers, so the uapi headers
# and bpf_tracing.h with __TARGET_ARCH_x86 are all they need, and the object
# does not depend on the kernel it was built on (docs/gpu_tracer.md).
BPF_CFLAGS := -g -O2 -Wall -Wextra -Wno-unused-parameter -target bpf \
	-D__TARGET_ARCH_x86 -I$(CURDIR)/bpf \
	-I/usr/include/$(shell $(CC) -dumpmachine)

$(OUT)/bpf/gpu_tracer.bpf.o: bpf/gpu_tracer.bpf.c bpf/gpu_tracer.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/bpf/gpu_tracer.skel.h: $(OUT)/bpf/gpu_tracer.bpf.o
	$(BPFTOOL) gen skeleton $< name gpu_tracer > $@.tmp && mv $@.tmp $@

AI_MONITOR_EXTRA_DEPS += $(OUT)/bpf/gpu_tracer.skel.h
USER_TARGETS += $(OUT)/bpf/gpu_tracer.skel.h
