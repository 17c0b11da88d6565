# SPDX-License-Identifier: GPL-2.0
# The demo (`make demo` runs tests/demo/demo.sh in the VM): an inference
# stand-in that uses all three pieces. It links libai statically and the
# fixture libcuda.so.1 (tests/bpf) dynamically, which in the VM sits where
# the driver package would put the real one.
$(OUT)/demo_infer: tests/demo/demo_infer.c $(OUT)/libai.a $(OUT)/fakecuda/libcuda.so.1 \
		tools/libai/libai.h
	$(CC) $(USER_CFLAGS) -o $@ $< $(OUT)/libai.a -L$(OUT)/fakecuda -l:libcuda.so.1 -lpthread

USER_TARGETS += $(OUT)/demo_infer
VM_FILES += $(OUT)/demo_infer:/bin/demo_infer
