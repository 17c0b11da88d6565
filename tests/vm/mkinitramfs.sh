#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh RELEASE OUTPUT - the test VM's root file system.
#
# busybox (static) + tests/vm/init + our modules built for RELEASE + the
# distro modules set-up kept + every file user space declares in VM_FILES
# (make print-vm-files) + the shared libraries those binaries need, with an
# ld.so.cache so the dynamic loader (and library discovery) work as on a
# normal system.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
rel=$1
out=$2
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
# mktemp makes it 0700; as the VM's / it must let unprivileged users in.
chmod 755 "$stage"

mkdir -p "$stage"/{bin,sbin,etc,lib/modules/ai,lib/modules/extra,proc,sys,dev,tmp,run,root,home/user} \
	"$stage"/{tests/cases,tests/demo,tests/bench} "$stage"/usr/{bin,sbin,lib/x86_64-linux-gnu} \
	"$stage"/lib64 "$stage"/lib/x86_64-linux-gnu "$stage"/sys/fs/bpf
chmod 1777 "$stage/tmp"

cp /bin/busybox "$stage/bin/busybox"
for a in $(/bin/busybox --list); do
	[ -e "$stage/bin/$a" ] || ln -s busybox "$stage/bin/$a"
done
install -m 0755 "$ROOT/tests/vm/init" "$stage/init"
install -m 0644 "$ROOT/tests/lib/tap.sh" "$stage/lib/tap.sh"
install -m 0644 "$ROOT/tests/lib/rxe.sh" "$stage/lib/rxe.sh"

for ko in "$ROOT"/build/"$rel"/*.ko; do
	[ -f "$ko" ] && install -m 0644 "$ko" "$stage/lib/modules/ai/"
done
for ko in ${AI_EXTRA_KO:-}; do
	install -m 0644 "$ko" "$stage/lib/modules/ai/"
done
cp "$ROOT"/.cache/kernels/"$rel"/extra/*.ko "$stage/lib/modules/extra/" 2>/dev/null || true
# A modules.dep, so busybox modinfo/modprobe find them by name too.
mkdir -p "$stage/lib/modules/$rel"
ln -s ../ai "$stage/lib/modules/$rel/ai"
ln -s ../extra "$stage/lib/modules/$rel/extra"
# Set-up wrote the distro modules' dependencies (extra/modules.dep).
(cd "$stage/lib/modules" && for f in ai/*.ko; do
	[ -f "$f" ] && echo "$f:"
done
if [ -f "$ROOT/.cache/kernels/$rel/extra/modules.dep" ]; then
	cat "$ROOT/.cache/kernels/$rel/extra/modules.dep"
else
	for f in extra/*.ko; do [ -f "$f" ] && echo "$f:"; done
fi) > "$stage/lib/modules/$rel/modules.dep"

# AI_CASES_DIR replaces tests/cases (the harness self-test brings its own);
# AI_EXTRA_KO names more modules to put beside ours.
for d in cases demo bench; do
	src="$ROOT/tests/$d"
	[ $d = cases ] && [ -n "${AI_CASES_DIR:-}" ] && src=$AI_CASES_DIR
	for f in "$src"/*; do
		[ -f "$f" ] || continue
		case $f in *.sh) install -m 0755 "$f" "$stage/tests/$d/" ;; esac
	done
done

# VM_FILES entries are "host-path:vm-path". AI_NO_USER=1 leaves user space
# out (the harness self-test boots without it).
vm_files=
[ -n "${AI_NO_USER:-}" ] || vm_files=$(make -s -C "$ROOT" print-vm-files)
for spec in $vm_files; do
	src=${spec%%:*}
	dst=${spec#*:}
	[ -e "$src" ] || { echo "mkinitramfs: missing $src (not built?)" >&2; exit 1; }
	mkdir -p "$stage$(dirname "$dst")"
	cp -L "$src" "$stage$dst"
done

# Shared libraries: what each dynamic ELF needs, found first among the
# files already staged, then on the host.
cat > "$stage/etc/ld.so.conf" <<CONF
/usr/local/lib
/lib/x86_64-linux-gnu
/usr/lib/x86_64-linux-gnu
CONF
stage_libdirs="$stage/usr/local/lib:$stage/usr/lib/x86_64-linux-gnu:$stage/lib/x86_64-linux-gnu"
find "$stage" -type f -perm -u+x -o -type f -name '*.so*' | while read -r f; do
	file -b "$f" 2>/dev/null | grep -q 'dynamically linked' || continue
	LD_LIBRARY_PATH=$stage_libdirs ldd "$f" 2>/dev/null |
		awk '/=> \// {print $3} /^\t\/[^ ]+ \(/ {print $1}'
done | sort -u | while read -r lib; do
	case $lib in "$stage"/*) continue ;; esac
	mkdir -p "$stage$(dirname "$lib")"
	cp -L "$lib" "$stage$lib"
done
cp /sbin/ldconfig "$stage/sbin/ldconfig"
ldconfig -r "$stage"

# Terminal descriptions for the dashboard.
for t in l/linux v/vt100 v/vt220 x/xterm x/xterm-256color s/screen d/dumb; do
	for d in /usr/share/terminfo /lib/terminfo; do
		[ -f "$d/$t" ] && { mkdir -p "$stage$d/${t%/*}"; cp "$d/$t" "$stage$d/$t"; break; }
	done
done

cat > "$stage/etc/passwd" <<PW
root:x:0:0:root:/root:/bin/sh
user:x:1000:1000:unprivileged test user:/home/user:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PW
cat > "$stage/etc/group" <<GR
root:x:0:
user:x:1000:
nogroup:x:65534:
GR
chown 1000:1000 "$stage/home/user"

mkdir -p "$(dirname "$out")"
(cd "$stage" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 > "$out"
