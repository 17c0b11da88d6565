#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkguest.sh - a real Debian 12 system for the packaging tests: built once
# per machine with debootstrap from Debian's packages, used by every clone.
#
#   tests/debian/mkguest.sh           build it if the cache lacks it; print
#                                     its directory
#   tests/debian/mkguest.sh --where   print the cache root
#
# The guest is bookworm with systemd as PID 1, udev, kmod, the 6.1 kernel
# image and headers (linux-image-amd64, linux-headers-amd64), dkms,
# build-essential, python3, python3-numpy and sudo, plus the packages our
# own .debs depend on, so that `apt-get install ./ai-native-*.deb` works
# with no network. Bookworm's newest 6.12 image and headers wait in
# /var/cache/ai-native/kernel-6.12/ for the kernel-upgrade test.
#
# Kept in ${AI_GUEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ai-native/debian-guest}/<key>:
#   disk.raw       ext4 root file system (sparse; the tests boot a
#                  copy-on-write overlay of it, never the image itself)
#   vmlinuz, initrd.img   the guest's own 6.1 kernel and initramfs
#   versions       what went in (kernel packages, dkms, python3)
# <key> hashes the package list, the recipe version and the versions of
# linux-image-amd64 and the newest 6.12 image apt offers: a kernel update in
# Debian makes a new guest; nothing else does. The newest six keys are kept.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
STORE=${AI_GUEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ai-native/debian-guest}
MIRROR=${AI_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
# Bump when the steps below change what is built.
RECIPE=2
# The issue's list, then what the three .debs depend on (debhelper's
# ${misc:Depends}, dkms's signing needs openssl, kbuild 6.12 needs pahole).
PKGS="systemd systemd-sysv udev kmod linux-image-amd64 linux-headers-amd64
dkms build-essential python3 python3-numpy sudo adduser openssl dwarves
initramfs-tools procps libncursesw6 libelf1 zlib1g ca-certificates
iproute2 psmisc libbpf1 pkgconf"
SIZE=${AI_GUEST_SIZE:-6G}

log() { printf 'mkguest: %s\n' "$*" >&2; }

if [ "${1:-}" = --where ]; then
	echo "$STORE"
	exit 0
fi

candidate() {
	apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}'
}

# The newest 6.12 kernel in bookworm(-security): no meta package exists.
k612=$(apt-cache search --names-only '^linux-image-6\.12\.[0-9]+\+deb12-amd64$' |
	awk '{print $1}' | sort -V | tail -n 1)
if [ -z "$k612" ] || [ -z "$(candidate linux-image-amd64)" ]; then
	apt-get update -qq
	k612=$(apt-cache search --names-only '^linux-image-6\.12\.[0-9]+\+deb12-amd64$' |
		awk '{print $1}' | sort -V | tail -n 1)
fi
[ -n "$k612" ] || { log "apt offers no bookworm 6.12 kernel"; exit 1; }
abi612=${k612#linux-image-}
key=$(printf '%s\n' "$RECIPE" "$SUITE" $PKGS "$(candidate linux-image-amd64)" \
	"$k612=$(candidate "$k612")" | sha256sum | cut -c1-12)
DIR="$STORE/$key"
if [ -s "$DIR/ready" ]; then
	echo "$DIR"
	exit 0
fi

mkdir -p "$STORE"
exec 9> "$STORE/.lock"
flock 9
if [ -s "$DIR/ready" ]; then	# another clone built it while we waited
	echo "$DIR"
	exit 0
fi
for t in debootstrap mkfs.ext4 qemu-img; do
	command -v "$t" >/dev/null || { log "$t is missing (tests/vm/setup.sh installs it)"; exit 1; }
done

log "building the Debian $SUITE guest in $DIR (once per machine, about 10 minutes)"
rm -rf "$DIR"
mkdir -p "$DIR"
rootfs="$DIR/root"
# Downloads stay in the store: a rebuild for a new key fetches only what
# changed.
mkdir -p "$STORE/debs"
debootstrap --variant=minbase --cache-dir="$STORE/debs" \
	--include="$(echo $PKGS | tr ' ' ,)" "$SUITE" "$rootfs" "$MIRROR" \
	> "$DIR/debootstrap.log" 2>&1 || {
	tail -n 20 "$DIR/debootstrap.log" >&2
	log "debootstrap failed (see $DIR/debootstrap.log)"
	exit 1
}

# Security updates and the 6.12 kernel come from bookworm-security; the
# guest has no network, so its apt lists are the ones we fetch here.
cat > "$rootfs/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb ${MIRROR%/debian}/debian-security $SUITE-security main
EOF

# Bring it up to date (bookworm-security, bookworm-updates) as a server
# would be, then drop the point-release kernel the upgrade replaced.
mount -t proc proc "$rootfs/proc"
trap 'umount "$rootfs/proc" 2> /dev/null || true' EXIT
echo "deb $MIRROR $SUITE-updates main" >> "$rootfs/etc/apt/sources.list"
if ! { chroot "$rootfs" apt-get -q update &&
	DEBIAN_FRONTEND=noninteractive chroot "$rootfs" apt-get -q -y dist-upgrade &&
	DEBIAN_FRONTEND=noninteractive chroot "$rootfs" apt-get -q -y autoremove --purge; } \
	> "$DIR/upgrade.log" 2>&1; then
	tail -n 20 "$DIR/upgrade.log" >&2
	log "upgrading the guest failed (see $DIR/upgrade.log)"
	exit 1
fi
# One 6.1 kernel only (DKMS builds for every kernel with headers).
cur=$(chroot "$rootfs" dpkg-query -W -f '${Depends}' linux-image-amd64 | sed 's/ .*//')
old=$(chroot "$rootfs" dpkg-query -W -f '${Package}\n' 'linux-image-6.1.0-*' 'linux-headers-6.1.0-*' |
	grep -v -e "^$cur\$" -e "^linux-headers-${cur#linux-image-}\$" -e -common || true)
if [ -n "$old" ]; then
	DEBIAN_FRONTEND=noninteractive chroot "$rootfs" apt-get -q -y purge $old >> "$DIR/upgrade.log" 2>&1
	DEBIAN_FRONTEND=noninteractive chroot "$rootfs" apt-get -q -y autoremove --purge >> "$DIR/upgrade.log" 2>&1
fi
umount "$rootfs/proc"
trap - EXIT

# The 6.12 image and headers for the upgrade test, with what they need.
k612dir="$rootfs/var/cache/ai-native/kernel-6.12"
mkdir -p "$k612dir"
(cd "$k612dir" && apt-get download -q -o APT::Sandbox::User=root "$k612" "linux-headers-$abi612" \
	"linux-headers-${abi612%-amd64}-common" "linux-kbuild-${abi612%-amd64}" \
	> /dev/null)

echo ai-guest > "$rootfs/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tai-guest\n' > "$rootfs/etc/hosts"
: > "$rootfs/etc/fstab"
# No log-in prompt on the console: the test runner owns it.
chroot "$rootfs" systemctl mask serial-getty@ttyS0.service getty@tty1.service \
	apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer \
	> /dev/null 2>&1 || true
install -D -m 0755 "$ROOT/tests/debian/guest-runner" "$rootfs/usr/local/sbin/ai-guest-runner"
install -D -m 0644 "$ROOT/tests/debian/ai-guest-runner.service" \
	"$rootfs/etc/systemd/system/ai-guest-runner.service"
chroot "$rootfs" systemctl enable ai-guest-runner.service > /dev/null 2>&1
chroot "$rootfs" apt-get clean

{
	chroot "$rootfs" dpkg-query -W -f '${Package} ${Version}\n' \
		linux-image-amd64 linux-headers-amd64 dkms systemd python3 python3-numpy
	ls "$k612dir"
} > "$DIR/versions"
cp -L "$rootfs/vmlinuz" "$DIR/vmlinuz"
cp -L "$rootfs/initrd.img" "$DIR/initrd.img"

log "making the disk image ($SIZE, sparse)"
mkfs.ext4 -q -F -L ai-guest -d "$rootfs" "$DIR/disk.raw" "$SIZE"
rm -rf "$rootfs"
date -u +%FT%TZ > "$DIR/ready"

# Keep the newest six guests.
ls -dt "$STORE"/*/ 2>/dev/null | grep -v '/debs/$' | tail -n +7 | xargs -r rm -rf
echo "$DIR"
