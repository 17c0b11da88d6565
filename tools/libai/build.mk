# SPDX-License-Identifier: GPL-2.0
# libai: static libai.a and shared libai.so (soname libai.so.1) plus the
# header tools/libai/libai.h. Only the API is exported from the .so.
LIBAI_OBJ := $(OUT)/tools/libai/libai.o

$(LIBAI_OBJ): tools/libai/libai.c tools/libai/libai.h include/uapi/linux/ai_mem.h
	@mkdir -p $(@D)
	$(CC) $(SHIP_CFLAGS) -fPIC -fvisibility=hidden -c $< -o $@

$(OUT)/libai.a: $(LIBAI_OBJ)
	$(AR) rcs $@ $^

$(OUT)/libai.so: $(LIBAI_OBJ)
	$(CC) $(SHIP_LDFLAGS) -shared -Wl,-soname,libai.so.1 -o $@ $^ -lpthread

USER_TARGETS += $(OUT)/libai.a $(OUT)/libai.so
VM_FILES += $(OUT)/libai.so:/usr/local/lib/libai.so.1
