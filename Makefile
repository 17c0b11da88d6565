# SPDX-License-Identifier: GPL-2.0
#
# Top-level build. Kernel modules go through kbuild (Kbuild lists the module
# directories); user space (BPF object + skeleton, tools, tests) is plain make.
#
#   make                 modules for the default kernel, tools, tests
#   make KVER=6.12       modules against the newest Debian 6.12 headers
#   make KDIR=/path      modules against any prepared kernel tree
#   make W=1 / C=1       extra warnings / sparse, as in the kernel
#   make check           set up, build, run every test (host + VM: 6.1, 6.12; debug: the attacking cases)
#   make demo            set up, build, boot the VM and show the whole thing
#   make bench           benchmarks (results go to build/bench/)
#   make check-debug     every in-VM case on the debug kernel (KASAN, lockdep, ...)
#   make soak            SOAK_MINUTES (10) of the fuzzer in the VM (SOAK_KERNEL=6.1)
#   make unit            the host unit tests alone (no root, no VM: the .deb build runs them)
#   make install-tools   user space into DESTDIR/PREFIX (what ai-native-tools ships)
#   make deb             the three Debian packages into build/deb/ (dpkg-buildpackage)
#   make check-debian    the packages on a real Debian 12 guest (tests/debian/guest.sh, ~17 min)
#
# DKMS calls `make KERNELRELEASE=<release>`: that selects the kernel to build
# for. Kbuild itself never reads this file (it reads Kbuild).

SHELL := /bin/bash

ifneq ($(KERNELRELEASE),)
KVER ?= $(KERNELRELEASE)
endif

# KDIR, in order: the KDIR variable; KVER (a series "6.1"/"6.12" means the
# headers set-up unpacked for the kernel the tests boot, else the newest
# installed in /usr/src; anything else is a release); the running kernel's
# build tree; the 6.1 headers from set-up.
series_headers = $(firstword \
	$(wildcard $(CURDIR)/.cache/headers/usr/src/linux-headers-$(shell \
		cat $(CURDIR)/.cache/kernels/$(1).release 2>/dev/null)/Makefile) \
	$(shell ls -d /usr/src/linux-headers-$(2)/Makefile 2>/dev/null | sort -V | tail -n 1))
KDIR_6.1 = $(patsubst %/Makefile,%,$(call series_headers,6.1,6.1.0-*-amd64))
KDIR_6.12 = $(patsubst %/Makefile,%,$(call series_headers,6.12,6.12.*+deb12-amd64))
# The reliability tier's debug kernel (tests/vm/debug-kernel.sh publishes it).
KDIR_debug = $(patsubst %/Makefile,%,$(call series_headers,debug,no-such-release))
ifeq ($(KDIR),)
ifneq ($(KVER),)
ifneq ($(filter 6.1 6.12 debug,$(KVER)),)
KDIR := $(KDIR_$(KVER))
else
KDIR := $(firstword $(wildcard /lib/modules/$(KVER)/build /usr/src/linux-headers-$(KVER)))
endif
else
KDIR := $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) $(KDIR_6.1))
endif
endif

# Debian's kernel.release says "6.1.192"; the release modules must match
# (vermagic) is UTS_RELEASE, e.g. "6.1.0-56-amd64".
KREL = $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' \
	$(KDIR)/include/generated/utsrelease.h 2>/dev/null)
KBUILD_OUT = $(CURDIR)/build/$(KREL)

MODULE_DIRS := ai_sched ai_mem

CC ?= gcc
CLANG ?= clang
BPFTOOL ?= $(firstword $(wildcard /usr/sbin/bpftool) bpftool)
USER_CFLAGS := -O2 -g -Wall -Wextra -Wno-unused-parameter -D_GNU_SOURCE \
	-I$(CURDIR)/include/uapi -I$(CURDIR)/tools -I$(CURDIR)/tests/lib
# What ships (ai_monitor, libai) also takes the caller's CPPFLAGS/CFLAGS/
# LDFLAGS: the Debian build passes dpkg-buildflags' hardening that way.
SHIP_CFLAGS = $(USER_CFLAGS) $(CPPFLAGS) $(CFLAGS)
SHIP_LDFLAGS = $(LDFLAGS)
# libbpf is linked statically so the tools run unchanged inside the test VM.
LIBBPF_STATIC := -Wl,-Bstatic -lbpf -lelf -lz -Wl,-Bdynamic

OUT := $(CURDIR)/build/user

.PHONY: all modules modules-all modules-clean user tools tests clean deps check check-debug \
	demo bench soak install install-tools unit deb check-debian help print-vm-files print-host-tests \
	print-kdir

all: modules user

help:
	@sed -n '3,22p' Makefile

deps:
	@tests/vm/setup.sh

# Kbuild writes objects next to the sources it is given, so each kernel gets
# a mirror of the module sources (symlinks) under build/<release>/.
modules:
	@test -n "$(KDIR)" -a -d "$(KDIR)" || \
		{ echo "no kernel tree (KDIR='$(KDIR)'): run 'make deps' or set KDIR" >&2; exit 1; }
	@test -n "$(KREL)" || { echo "$(KDIR) is not a prepared kernel tree" >&2; exit 1; }
	@mkdir -p $(addprefix $(KBUILD_OUT)/,$(MODULE_DIRS) include)
	@ln -sfn $(CURDIR)/Kbuild $(KBUILD_OUT)/Kbuild
	@ln -sfn $(CURDIR)/include/uapi $(KBUILD_OUT)/include/uapi
	@for d in $(MODULE_DIRS); do \
		find $(KBUILD_OUT)/$$d -maxdepth 1 -xtype l -delete; \
		for f in $$d/Kbuild $$d/*.[ch]; do \
			[ -e "$$f" ] && ln -sfn $(CURDIR)/$$f $(KBUILD_OUT)/$$f; \
		done; \
	done; true
	$(MAKE) -C $(KDIR) M=$(KBUILD_OUT) W=$(W) C=$(C) modules
	@for d in $(MODULE_DIRS); do cp -f $(KBUILD_OUT)/$$d/$$d.ko $(KBUILD_OUT)/; done
	@echo "modules for $(KREL): $(addprefix build/$(KREL)/,$(addsuffix .ko,$(MODULE_DIRS)))"

# Both Debian kernels the tests boot.
modules-all:
	$(MAKE) modules KVER=6.1
	$(MAKE) modules KVER=6.12

install: modules
	$(MAKE) -C $(KDIR) M=$(KBUILD_OUT) INSTALL_MOD_DIR=extra modules_install

# User-space pieces register themselves through fragments next to their
# sources; each appends to USER_TARGETS (built by `make user`), and may add
# to VM_FILES ("path-on-host:path-in-vm"), HOST_TESTS and BENCHES.
USER_TARGETS :=
VM_FILES :=
HOST_TESTS :=
# The HOST_TESTS that need neither root nor BPF nor a tmux: `make unit`.
UNIT_TESTS :=
include $(sort $(wildcard bpf/build.mk tools/*/build.mk tests/*/build.mk))

user: $(USER_TARGETS)
tools tests: user

clean:
	rm -rf build

# Every unit test, TAP in, one verdict per program out.
unit: user
	@fail=0; for t in $(UNIT_TESTS); do \
		if AI_USER_OUT=$(OUT) $$t > $(OUT)/$$(basename $$t).tap 2>&1 && \
		   ! grep -q '^not ok' $(OUT)/$$(basename $$t).tap; then \
			echo "PASS $$t ($$(grep -c '^ok' $(OUT)/$$(basename $$t).tap) checks)"; \
		else \
			echo "FAIL $$t"; grep '^not ok' $(OUT)/$$(basename $$t).tap; fail=1; \
		fi; \
	done; exit $$fail

# What the ai-native-tools and python3-ai-native packages hold, for
# debian/rules and for installing from source (PREFIX=/usr/local).
PREFIX ?= /usr/local
DESTDIR ?=
LIBDIR ?= $(PREFIX)/lib/$(shell $(CC) -print-multiarch 2>/dev/null)
PYTHONDIR ?= $(PREFIX)/lib/python3/dist-packages
UDEVDIR ?= $(if $(filter /usr,$(PREFIX)),/usr/lib/udev,/etc/udev)
UNITDIR ?= $(if $(filter /usr,$(PREFIX)),/lib/systemd/system,/etc/systemd/system)
LIBAI_VERSION := 1.0
install-tools: user
	install -D -m 0755 $(OUT)/ai_monitor $(DESTDIR)$(PREFIX)/sbin/ai_monitor
	install -D -m 0644 $(OUT)/libai.so $(DESTDIR)$(LIBDIR)/libai.so.$(LIBAI_VERSION)
	ln -sfn libai.so.$(LIBAI_VERSION) $(DESTDIR)$(LIBDIR)/libai.so.1
	ln -sfn libai.so.1 $(DESTDIR)$(LIBDIR)/libai.so
	install -D -m 0644 $(OUT)/libai.a $(DESTDIR)$(LIBDIR)/libai.a
	install -D -m 0644 tools/libai/libai.h $(DESTDIR)$(PREFIX)/include/ai-native/libai.h
	install -D -m 0644 -t $(DESTDIR)$(PREFIX)/include/ai-native/linux include/uapi/linux/ai_mem.h \
		include/uapi/linux/ai_sched.h
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|; s|@VERSION@|$(LIBAI_VERSION)|' \
		tools/libai/libai.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/libai.pc
	install -D -m 0644 tools/system/60-ai-native.rules $(DESTDIR)$(UDEVDIR)/rules.d/60-ai-native.rules
	install -D -m 0644 tools/system/ai-monitor-agent.service \
		$(DESTDIR)$(UNITDIR)/ai-monitor-agent.service
	sed -i 's|/usr/sbin/ai_monitor|$(PREFIX)/sbin/ai_monitor|' \
		$(DESTDIR)$(UNITDIR)/ai-monitor-agent.service
	install -D -m 0644 -t $(DESTDIR)$(PREFIX)/share/man/man8 docs/man/ai_monitor.8
	install -D -m 0644 -t $(DESTDIR)$(PREFIX)/share/man/man4 docs/man/ai_mem.4 docs/man/ai_sched.4
	install -D -m 0644 -t $(DESTDIR)$(PREFIX)/share/man/man3 docs/man/libai.3
	for f in ai_alloc_pinned ai_alloc_pinned_node ai_free_pinned ai_mem_stats; do \
		echo ".so man3/libai.3" > $(DESTDIR)$(PREFIX)/share/man/man3/$$f.3; done
	install -D -m 0644 -t $(DESTDIR)$(PYTHONDIR)/ai_native tools/python/ai_native/*.py

# The Debian packages, from a copy of the tracked tree (what a clean clone
# holds), so that nothing built here leaks in.
deb:
	@tests/debian/build-debs.sh

# Install, DKMS, udev, systemd, Python, a kernel upgrade and purge on a
# debootstrap guest booted under QEMU (docs/packaging.md).
check-debian:
	@tests/vm/setup.sh && $(MAKE) -s user && tests/debian/guest.sh

# The two commands README gives. Both set up whatever a fresh machine lacks.
check:
	@tests/run-all.sh

# Every in-VM case on the debug kernel at full size (about an hour under
# TCG; make check runs the attacking cases there, bounded).
check-debug:
	@AI_VM_TIMEOUT=$${AI_VM_TIMEOUT:-14400} AI_CASE_TIMEOUT=$${AI_CASE_TIMEOUT:-3600} \
		tests/vm/run.sh --kernel debug

demo:
	@tests/vm/demo.sh

bench:
	@tests/bench/run.sh

# A long fuzz run (tests/cases/60-fuzz.sh): SOAK_MINUTES (default 10) of
# ai_fuzz on SOAK_KERNEL (default 6.1; "all" for all three), seed AI_FUZZ_SEED
# (default: the date). SOAK_KERNEL=debug soaks on the debug kernel.
SOAK_MINUTES ?= 10
SOAK_KERNEL ?= 6.1
soak:
	AI_VM_ENV="AI_SOAK_MINUTES=$(SOAK_MINUTES) $(if $(AI_FUZZ_SEED),AI_FUZZ_SEED=$(AI_FUZZ_SEED))" \
	AI_CASE_TIMEOUT=$$(( $(SOAK_MINUTES) * 60 + 300 )) \
	AI_VM_TIMEOUT=$$(( $(SOAK_MINUTES) * 60 + 900 )) \
	tests/vm/run.sh --kernel $(SOAK_KERNEL) --cases fuzz

# For tests/vm/mkinitramfs.sh: what user space puts into the VM.
print-vm-files:
	@echo $(VM_FILES)
print-host-tests:
	@echo $(HOST_TESTS)
print-kdir:
	@echo $(KDIR)
# Objects only: run-all.sh clears them so that a warm W=1 build still
# recompiles, and so still shows any warning an unchanged file has.
modules-clean:
	@if [ -n "$(KREL)" ] && [ -d "$(KBUILD_OUT)" ]; then \
		$(MAKE) -C $(KDIR) M=$(KBUILD_OUT) clean >/dev/null; fi
