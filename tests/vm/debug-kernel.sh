#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# debug-kernel.sh - the reliability tier's debug kernel: built once per
# machine, used by every clone.
#
#   tests/vm/debug-kernel.sh           build it if the cache lacks it, then
#                                      publish it into this clone's .cache
#   tests/vm/debug-kernel.sh --where   print the cache directory
#
# The kernel is Debian's linux-source-6.12 with x86_64_defconfig,
# kvm_guest.config and tests/vm/debug/debug.config (KASAN, UBSAN, lockdep,
# kmemleak, fault injection, ...). It is kept in
#   ${AI_DEBUG_KERNEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ai-native/debug-kernel}/<key>
# where <key> is the source version and a hash of the config fragment and
# of this recipe's version: a fresh clone on the same machine finds it, and
# only a new source package or a changed fragment builds again. The source
# version is resolved once and remembered (AI_REFRESH=1 asks apt again).
#
# Publishing makes the debug kernel one more "series" for the harness:
# .cache/kernels/debug.release names its release, .cache/kernels/<release>
# (image, config, the distro modules the cases load) and
# .cache/headers/usr/src/linux-headers-<release> (the build tree, for
# `make modules KVER=debug`) are links into the cache.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SRC_PKG=linux-source-6.12
FRAG="$ROOT/tests/vm/debug/debug.config"
# Bump when the steps below change what is built: the key does not hash
# this script (a comment edit must not cost a 35-minute build). A grown
# EXTRA_MODULES (kmods.sh) needs no rebuild: refresh_modules copies them
# from the kept build directory.
RECIPE=1
STORE=${AI_DEBUG_KERNEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ai-native/debug-kernel}

log() { printf 'debug-kernel: %s\n' "$*" >&2; }
. "$ROOT/tests/vm/kmods.sh"

if [ "${1:-}" = --where ]; then
	echo "$STORE"
	exit 0
fi

source_version() {
	local v=
	if [ -z "${AI_REFRESH:-}" ] && [ -s "$STORE/$SRC_PKG.version" ]; then
		cat "$STORE/$SRC_PKG.version"
		return
	fi
	v=$(apt-cache policy "$SRC_PKG" | awk '/Candidate:/ {print $2}')
	if [ -z "$v" ] || [ "$v" = "(none)" ]; then
		apt-get update -qq >&2
		v=$(apt-cache policy "$SRC_PKG" | awk '/Candidate:/ {print $2}')
	fi
	[ -n "$v" ] && [ "$v" != "(none)" ] || { log "apt has no $SRC_PKG"; return 1; }
	echo "$v" > "$STORE/$SRC_PKG.version"
	echo "$v"
}

# Every line of the fragment must be in the final .config: a symbol that
# olddefconfig dropped (a missing dependency) would silently weaken the
# tier, so it stops the build instead.
check_config() {
	local cfg=$1 line sym val bad=0
	while IFS= read -r line; do
		case $line in CONFIG_*=*) ;; *) continue ;; esac
		sym=${line%%=*}
		val=${line#*=}
		if [ "$val" = n ]; then
			grep -qx "# $sym is not set" "$cfg" || grep -qx "$sym=n" "$cfg" ||
				! grep -q "^$sym=" "$cfg" && continue
		else
			grep -qxF "$line" "$cfg" && continue
		fi
		log "config: $line did not survive olddefconfig ($(grep "^$sym=\|^# $sym " "$cfg" || echo absent))"
		bad=1
	done < "$FRAG"
	return $bad
}

build() {
	local dir=$1 ver=$2 tmp=$1 src out rel jobs
	jobs=$(nproc)
	# Built in place (kbuild's output tree names its source by absolute
	# path); "release" is written last, so a half-built tree is redone.
	rm -rf "$tmp"
	mkdir -p "$tmp/debs"
	log "building the debug kernel from $SRC_PKG $ver in $dir (about 35 min on 2 cores)"
	(cd "$tmp/debs" && apt-get download -q "$SRC_PKG=$ver" >/dev/null)
	dpkg -x "$tmp"/debs/"$SRC_PKG"_*.deb "$tmp/pkg"
	tar -xJf "$tmp/pkg/usr/src/$SRC_PKG.tar.xz" -C "$tmp"
	mv "$tmp/$SRC_PKG" "$tmp/src"
	rm -rf "$tmp/pkg" "$tmp/debs"
	src=$tmp/src
	out=$tmp/out

	make -s -C "$src" O="$out" x86_64_defconfig
	make -s -C "$src" O="$out" kvm_guest.config
	"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "$FRAG" >/dev/null
	make -s -C "$src" O="$out" olddefconfig
	check_config "$out/.config"
	make -s -C "$src" O="$out" -j"$jobs" bzImage modules
	make -s -C "$src" O="$out" INSTALL_MOD_PATH="$tmp/mods" INSTALL_MOD_STRIP=1 \
		modules_install
	rel=$(cat "$out/include/config/kernel.release")

	mkdir -p "$tmp/kernel/boot"
	cp "$out/arch/x86/boot/bzImage" "$tmp/kernel/boot/vmlinuz-$rel"
	cp "$out/.config" "$tmp/kernel/boot/config-$rel"
	keep_modules "$tmp/mods" "$tmp/kernel"
	rm -rf "$tmp/mods"
	echo "$rel" > "$tmp/release"
	log "built $rel"
}

# EXTRA_MODULES grew since the build: copy them again from the build
# directory (debug info stripped, as modules_install would with
# INSTALL_MOD_STRIP=1).
refresh_modules() {
	local dir=$1 tmp=$1/kernel/.extra-new f
	rm -rf "$tmp"
	keep_modules "$dir/out" "$tmp" || return 1
	for f in "$tmp"/extra/*.ko; do
		strip --strip-debug "$f"
	done
	rm -rf "$dir/kernel/extra"
	mv "$tmp/extra" "$dir/kernel/extra"
	rm -rf "$tmp"
	log "distro modules now $EXTRA_MODULES"
}

publish() {
	local dir=$1 rel
	rel=$(cat "$dir/release")
	mkdir -p "$ROOT/.cache/kernels" "$ROOT/.cache/headers/usr/src"
	ln -sfn "$dir/kernel" "$ROOT/.cache/kernels/$rel"
	ln -sfn "$dir/out" "$ROOT/.cache/headers/usr/src/linux-headers-$rel"
	echo "$rel" > "$ROOT/.cache/kernels/debug.release"
	echo "$rel"
}

main() {
	local ver key dir
	mkdir -p "$STORE"
	ver=$(source_version)
	key="$(echo "$ver" | tr "~+:" "___")-$( { cat "$FRAG"; echo "recipe $RECIPE"; } | sha256sum | cut -c1-12)"
	dir="$STORE/$key"
	if [ ! -f "$dir/release" ]; then
		# One build at a time per machine; a second caller waits and
		# then finds the result.
		exec 9> "$STORE/.lock"
		flock 9
		[ -f "$dir/release" ] || build "$dir" "$ver"
	fi
	if ! modules_current "$dir/kernel"; then
		exec 9> "$STORE/.lock"
		flock 9
		modules_current "$dir/kernel" || refresh_modules "$dir" || return 1
	fi
	publish "$dir"
}

main "$@"
