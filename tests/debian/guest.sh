#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# guest.sh - the packaging test on a real Debian 12 system (`make
# check-debian`, or `tests/run-all.sh --debian`): build the .debs, boot
# the cached debootstrap guest (tests/debian/mkguest.sh) on its own 6.1
# kernel and run
# tests/debian/guest-test.sh in it, then boot the 6.12 kernel that run
# installed, and run the second half. Both consoles go through
# tests/vm/report.awk (kver "debian"): any kernel splat fails too.
#
#   tests/debian/guest.sh [--no-build]
#
# The guest's disk is a copy-on-write overlay: the cached image is never
# written. Knobs: AI_GUEST_TIMEOUT (seconds per boot, default 900),
# AI_GUEST_MEM_MB (default 2048).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$ROOT/build/debian
timeout=${AI_GUEST_TIMEOUT:-900}

build=1
[ "${1:-}" = --no-build ] && build=0
if [ $build -eq 1 ]; then
	if "$ROOT/tests/debian/build-debs.sh" > /dev/null; then
		echo "PASS [debian] build: dpkg-buildpackage -us -uc builds the three packages (host unit tests run in it)"
		echo "PASS [debian] build: lintian reports no error and no warning"
	else
		echo "FAIL [debian] build: make deb failed (see build/deb/build.log, build/deb/lintian.txt)"
		exit 1
	fi
fi
if ! guest=$("$ROOT/tests/debian/mkguest.sh"); then
	echo "FAIL [debian] setup: tests/debian/mkguest.sh failed"
	exit 1
fi

rm -rf "$OUT"
share=$OUT/share
mkdir -p "$share/debs" "$share/fake-nvml"
for p in ai-native-dkms ai-native-tools python3-ai-native; do
	cp "$ROOT"/build/deb/${p}_*.deb "$share/debs/" ||
		{ echo "FAIL [debian] build: no $p package in build/deb"; exit 1; }
done
cp "$ROOT/build/user/fake-nvml/libnvidia-ml.so.1" "$share/fake-nvml/" ||
	{ echo "FAIL [debian] build: no fake NVML (make user)"; exit 1; }
cp "$ROOT/tests/debian/guest-test.sh" "$share/run"
cp "$ROOT/tests/lib/tap.sh" "$ROOT/tests/debian/guest_python.py" \
	"$ROOT/tests/debian/guest_libai.c" "$share/"
qemu-img create -q -f qcow2 -F raw -b "$guest/disk.raw" "$OUT/disk.qcow2"

status=0
boot() {	# boot PHASE KERNEL INITRD
	local log="$OUT/console-$1.log" t0
	echo "$1" > "$share/phase"
	t0=$(date +%s)
	timeout -s KILL "$timeout" qemu-system-x86_64 -accel tcg -cpu max -smp 2 \
		-m "${AI_GUEST_MEM_MB:-2048}" -kernel "$2" -initrd "$3" \
		-append "root=/dev/vda rw console=ttyS0 loglevel=5 panic=-1 systemd.show_status=0" \
		-drive "file=$OUT/disk.qcow2,if=virtio,format=qcow2" \
		-virtfs "local,path=$share,mount_tag=ai,security_model=none,id=ai" \
		-nic none -display none -serial stdio -monitor none -no-reboot \
		< /dev/null > "$log" 2>&1
	echo "guest.sh: boot $1 took $(( $(date +%s) - t0 )) s ($(grep -a -m1 '^@@GUEST up' "$log"))" >&2
	awk -v kver=debian -f "$ROOT/tests/vm/report.awk" "$log" > "$OUT/report-$1.txt"
	grep -v '^@@TOTALS' "$OUT/report-$1.txt"
	set -- $(grep '^@@TOTALS' "$OUT/report-$1.txt")
	[ "$3" -eq 0 ] || status=1
}

boot 1 "$guest/vmlinuz" "$guest/initrd.img"
if [ -s "$share/k612/vmlinuz" ]; then
	boot 2 "$share/k612/vmlinuz" "$share/k612/initrd.img"
else
	echo "FAIL [debian] debian-kernel-upgrade: no 6.12 kernel to reboot into"
	status=1
fi
exit $status
