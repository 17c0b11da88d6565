#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kmods.sh - sourced by setup.sh and debug-kernel.sh: which distro modules
# the VM gets, and how they are copied out of a kernel's module tree.
# The caller defines log().

# Distro modules the in-VM tests load: brd (a RAM block device for O_DIRECT);
# rdma_rxe (soft RoCE), dummy (a netdev for rxe to sit on) and crc32_generic
# (rxe asks the crypto API for "crc32" by name when a device is added: no
# symbol dependency, and no modprobe in the VM to load it on demand) for the
# RDMA case; vgem (a software DRM driver that imports dma-bufs through
# PRIME) for the dma-buf case. Their dependencies (modinfo's "depends") are
# kept with them. The debug kernel's copy is made when it is built, and
# made again from its build directory when this list changes.
EXTRA_MODULES="brd dummy crc32_generic rdma_rxe vgem"

# extra/.modules names the EXTRA_MODULES that extra/ was filled for.
modules_current() {
	[ "$(cat "$1/extra/.modules" 2>/dev/null)" = "$EXTRA_MODULES" ]
}

# keep_modules SRC DIR: copy EXTRA_MODULES and everything they depend on
# from the unpacked image (or the kernel build directory) at SRC to DIR/extra, uncompressed (busybox insmod
# does not read .ko.xz), with a modules.dep in depmod's format (the image
# has none: depmod runs at install time) so a case can load the
# dependencies first.
keep_modules() {
	local src=$1 dir=$2 todo=$EXTRA_MODULES seen=" " m f deps root
	declare -A dep_of=()
	# An installed module tree, or a kernel build directory.
	root=$src/lib/modules
	[ -d "$root" ] || root=$src
	mkdir -p "$dir/extra"
	while [ -n "${todo// /}" ]; do
		set -- $todo
		m=$1
		shift
		todo="$*"
		case $seen in *" $m "*) continue ;; esac
		seen="$seen$m "
		f=$(find "$root" -name "$m.ko" -o -name "$m.ko.xz" | head -n 1)
		[ -n "$f" ] || { log "$(basename "$dir") has no module $m"; return 1; }
		case $f in
		*.xz) xz -dc "$f" > "$dir/extra/$m.ko" ;;
		*)    cp "$f" "$dir/extra/$m.ko" ;;
		esac
		deps=$(modinfo -F depends "$dir/extra/$m.ko" | tr ',' ' ')
		dep_of[$m]=$deps
		todo="$todo $deps"
	done
	# depmod lists every dependency, direct or not, the one to load first last.
	for m in $seen; do
		printf 'extra/%s.ko:' "$m"
		dep_closure "$m" | awk '!seen[$0]++' | tac | sed 's|.*| extra/&.ko|' | tr -d '\n'
		echo
	done > "$dir/extra/modules.dep"
	echo "$EXTRA_MODULES" > "$dir/extra/.modules"
}

# Dependencies of $1 in load order (each after its own), duplicates allowed.
dep_closure() {
	local d
	for d in ${dep_of[$1]}; do
		dep_closure "$d"
		echo "$d"
	done
}

