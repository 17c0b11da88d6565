# SPDX-License-Identifier: GPL-2.0
# RDMA clients of ai_mem over soft RoCE (tests/cases/28-ai_mem-rdma.sh,
# tests/bench/21-ai_mem-rdma.sh), and the verbs user space they need in the
# VM: libibverbs is found by ldd, but its rxe provider is dlopen()ed by
# name from the driver files in /etc/libibverbs.d, so both are listed here.
RXE_LOOP := tests/rdma/rxe_loop.c tests/rdma/rxe_loop.h
RDMA_CFLAGS := $(USER_CFLAGS) -I$(CURDIR)/tests -I$(CURDIR)/tools/libai
IBV_PROVIDER := $(firstword $(wildcard /usr/lib/*/libibverbs/librxe-rdmav*.so))

$(OUT)/test_ai_mem_rdma: tests/ai_mem/test_ai_mem_rdma.c $(RXE_LOOP) \
		tests/ai_mem/ai_mem_test.h tests/lib/tap.h tools/libai/libai.h $(OUT)/libai.so
	@mkdir -p $(@D)
	$(CC) $(RDMA_CFLAGS) -o $@ $< tests/rdma/rxe_loop.c $(OUT)/libai.so -libverbs

$(OUT)/bench_ai_mem_rdma: tests/bench/ai_mem/bench_ai_mem_rdma.c tests/bench/ai_mem/bench_util.h $(RXE_LOOP) \
		tools/libai/libai.h $(OUT)/libai.so
	@mkdir -p $(@D)
	$(CC) $(RDMA_CFLAGS) -o $@ $< tests/rdma/rxe_loop.c $(OUT)/libai.so -libverbs

USER_TARGETS += $(OUT)/test_ai_mem_rdma $(OUT)/bench_ai_mem_rdma
VM_FILES += $(OUT)/test_ai_mem_rdma:/bin/test_ai_mem_rdma \
	$(OUT)/bench_ai_mem_rdma:/bin/bench_ai_mem_rdma \
	/usr/bin/rdma:/usr/bin/rdma /usr/bin/ibv_devinfo:/usr/bin/ibv_devinfo \
	/etc/libibverbs.d/rxe.driver:/etc/libibverbs.d/rxe.driver \
	$(IBV_PROVIDER):$(IBV_PROVIDER)
