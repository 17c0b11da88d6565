#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Debian's trinity, a fuzzer that knows nothing of our ABI, as a second
# opinion on the debug kernel: ioctl, mmap and friends on descriptors of
# /dev/ai_mem and /dev/ai_sched only (its file provider alone, pointed at
# a directory holding both nodes), as an unprivileged user (nodes of
# both devices, mode 0666, are made for the run: what such a user may do is what the modules
# must survive), a bounded number of calls. Any report fails the run
# through the console scan; the pool must be whole and both modules must
# unload afterwards.
. /lib/tap.sh
if ! t_debug_kernel; then
	t_skip "trinity runs on the debug kernel only" "trinity on /dev/ai_mem and /dev/ai_sched"
	t_done
	exit
fi
if ! command -v trinity > /dev/null; then
	t_skip "trinity is not installed (tests/vm/setup.sh installs it)" "trinity"
	t_done
	exit
fi
calls=${AI_TRINITY_CALLS:-20000}
# trinity stops at SIGINT with its summary: the calls or this many seconds.
secs=${AI_TRINITY_SECS:-150}
seed=${AI_FUZZ_SEED:-$(date +%Y%m%d)}
t_load ai_sched || exit 1
t_load ai_mem pool_mb=32 || exit 1
# trinity takes one victim path: a directory with both device nodes.
mkdir -p /tmp/trinity /tmp/victims
chown 1000:1000 /tmp/trinity
for d in ai_mem ai_sched; do
	mknod -m 0666 /tmp/victims/$d c $(tr ':' ' ' < /sys/class/misc/$d/dev)
done
total=$(awk '/^Total Blocks:/ {print $3}' /proc/ai_memory)
echo "# trinity: seed $seed, $calls calls or $secs s"
(cd /tmp/trinity && su -s /bin/sh user -c "timeout -s INT $secs trinity -q -l off -s $seed -N $calls -C 2 \
	-V /tmp/victims \
	--enable-fds=pseudo \
	-c ioctl -c mmap -c munmap -c mremap -c mprotect -c madvise -c msync -c mlock \
	-c munlock -c read -c write -c dup -c dup2 -c fcntl -c close" > /tmp/trinity.log 2>&1)
rc=$?
tail -n 5 /tmp/trinity.log | sed 's/^/# /'
# It ends with "Ran N syscalls", after its last call or at the SIGINT.
ran=$(sed -n 's/.*Ran \([0-9]*\) syscalls.*/\1/p' /tmp/trinity.log | tail -n 1)
t_check "trinity ran as user 1000: ${ran:-no} syscalls (exit status $rc)" test -n "$ran"
# "pseudo" is trinity's file provider, the one that opens the -V path; it
# counts the directory itself as well as the two nodes.
added=$(sed -n 's|.*Added \([0-9]*\) filenames from /tmp/victims.*|\1|p' /tmp/trinity.log)
t_check "trinity took both device nodes as victims (${added:-no} paths)" test "${added:-0}" -ge 3
rm -rf /tmp/victims
free=0
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
	free=$(awk '/^Free Blocks:/ {print $3}' /proc/ai_memory)
	[ "$free" = "$total" ] && break
	sleep 1
done
t_check "every block is back in the pool ($free of $total)" [ -n "$total" ] && [ "$free" = "$total" ]
t_unload ai_mem
t_unload ai_sched
t_done
