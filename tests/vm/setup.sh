#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# setup.sh - install what building and testing need; idempotent.
#
# 1. Debian packages (apt-get), only those missing.
# 2. For each kernel series the tests boot (6.1 and 6.12), the newest
#    Debian image and its matching headers, fetched with `apt-get download`
#    and unpacked with `dpkg -x` into .cache/ (never installed: this
#    machine's /boot and package database stay untouched).
#
# Resolved releases are remembered in .cache/kernels/<series>.release, so a
# second run neither asks apt nor downloads anything. AI_REFRESH=1 re-resolves.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CACHE="$ROOT/.cache"
SERIES=(6.1 6.12)
. "$ROOT/tests/vm/kmods.sh"

PKGS=(
	make gcc libc6-dev kmod xz-utils file cpio busybox-static qemu-system-x86
	dwarves sparse clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev
	libncurses-dev pkg-config python3 tmux iproute2 bpftrace libbpf-tools prometheus
	gcc-multilib
	rdma-core libibverbs1 libibverbs-dev ibverbs-providers ibverbs-utils
	flex bison bc libssl-dev trinity
	debootstrap qemu-utils e2fsprogs debhelper dh-dkms dh-python lintian dpkg-dev
	python3-numpy jq
	# AMD's HIP runtime, which the tracer's HIP layer is tested against (77 MB)
	libamdhip64-5
)

log() { printf 'setup: %s\n' "$*" >&2; }

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

apt_updated=
apt_update_once() {
	[ -n "$apt_updated" ] && return
	log "apt-get update"
	$SUDO apt-get update -qq
	apt_updated=1
}

install_packages() {
	local missing=() p
	for p in "${PKGS[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return
	apt_update_once
	log "installing ${missing[*]}"
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null
}

# Newest release of a series, e.g. "6.1.0-56-amd64" or "6.12.117+deb12-amd64".
resolve_release() {
	local series=$1 re
	case $series in
	6.1)  re='^linux-image-6\.1\.0-[0-9]+-amd64$' ;;
	6.12) re='^linux-image-6\.12\.[0-9]+\+deb12-amd64$' ;;
	*) log "unknown series $series"; return 1 ;;
	esac
	apt-cache search --names-only "$re" | awk '{print $1}' |
		sed 's/^linux-image-//' | sort -V | tail -n 1
}

# Kernel and headers are unpacked already: fetch the image again only for
# the modules.
refetch_modules() {
	local rel=$1 tmp="$CACHE/debs" img
	img="$tmp/img-$rel"
	log "kernel $rel: distro modules $EXTRA_MODULES"
	mkdir -p "$tmp"
	(cd "$tmp" && { ls "linux-image-${rel}"_*.deb >/dev/null 2>&1 ||
		apt-get download -q "linux-image-$rel" >/dev/null 2>&1 ||
		{ apt_update_once; apt-get download -q "linux-image-$rel" >/dev/null; }; })
	rm -rf "$img"
	dpkg -x "$(ls "$tmp"/linux-image-"$rel"_*.deb)" "$img"
	keep_modules "$img" "$CACHE/kernels/$rel" || return 1
	rm -rf "$img" "$tmp"/linux-image-"$rel"_*.deb
}

# The headers tree references its -common sibling with an absolute path;
# point it at our unpacked copy instead of /usr/src.
fetch_kernel() {
	local series=$1 rel dir tmp common kbuild
	local relfile="$CACHE/kernels/$series.release"

	if [ -z "${AI_REFRESH:-}" ] && [ -s "$relfile" ]; then
		rel=$(cat "$relfile")
		if [ -f "$CACHE/kernels/$rel/boot/vmlinuz-$rel" ] &&
		   [ -d "$CACHE/kernels/$rel/extra" ] &&
		   [ -f "$CACHE/headers/usr/src/linux-headers-$rel/Makefile" ]; then
			modules_current "$CACHE/kernels/$rel" && return 0
			# Kernel and headers are there, only EXTRA_MODULES grew.
			refetch_modules "$rel"
			return
		fi
	fi

	rel=$(resolve_release "$series")
	if [ -z "$rel" ]; then
		apt_update_once
		rel=$(resolve_release "$series")
	fi
	[ -n "$rel" ] || { log "no linux-image for $series in apt"; return 1; }

	dir="$CACHE/kernels/$rel"
	tmp="$CACHE/debs"
	mkdir -p "$dir" "$tmp" "$CACHE/headers"
	common="linux-headers-${rel%-amd64}-common"
	case $series in
	6.1)  kbuild=linux-kbuild-6.1 ;;
	*)    kbuild="linux-kbuild-${rel%-amd64}" ;;
	esac

	log "kernel $series: $rel"
	(cd "$tmp" && for p in "linux-image-$rel" "linux-headers-$rel" "$common" "$kbuild"; do
		ls "${p}"_*.deb >/dev/null 2>&1 || apt-get download -q "$p" >/dev/null 2>&1 ||
			{ apt_update_once; apt-get download -q "$p" >/dev/null; }
	done)

	dpkg -x "$(ls "$tmp"/linux-image-"$rel"_*.deb)" "$dir"
	for p in "linux-headers-$rel" "$common" "$kbuild"; do
		dpkg -x "$(ls "$tmp"/"$p"_*.deb)" "$CACHE/headers"
	done
	sed -i "s|^include /usr/src/|include $CACHE/headers/usr/src/|" \
		"$CACHE/headers/usr/src/linux-headers-$rel/Makefile"
	# Keep only what the harness uses from the image: the kernel, its
	# config, and the few distro modules the tests load.
	keep_modules "$dir" "$dir" || return 1
	rm -rf "$dir/lib" "$dir/usr" "$dir/etc"
	echo "$rel" > "$relfile"
	rm -f "$tmp"/linux-image-"$rel"_*.deb
}

# checkpatch.pl comes with the kernel source, not with the headers: take it
# (and the two data files it reads) out of Debian's linux-source-6.1.
fetch_checkpatch() {
	local dst="$CACHE/checkpatch" tmp="$CACHE/debs"
	[ -f "$dst/scripts/checkpatch.pl" ] && return 0
	mkdir -p "$dst" "$tmp/src"
	(cd "$tmp" && { ls linux-source-6.1_*.deb >/dev/null 2>&1 ||
		apt-get download -q linux-source-6.1 >/dev/null 2>&1 ||
		{ apt_update_once; apt-get download -q linux-source-6.1 >/dev/null; }; })
	log "extracting checkpatch.pl from linux-source-6.1"
	dpkg -x "$(ls "$tmp"/linux-source-6.1_*.deb)" "$tmp/src"
	tar -xJf "$tmp"/src/usr/src/linux-source-6.1.tar.xz -C "$dst" --strip-components=1 \
		linux-source-6.1/scripts/checkpatch.pl linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch
	rm -rf "$tmp/src" "$tmp"/linux-source-6.1_*.deb
}

main() {
	mkdir -p "$CACHE/kernels"
	install_packages
	for s in "${SERIES[@]}"; do
		fetch_kernel "$s"
	done
	fetch_checkpatch
}

main "$@"
