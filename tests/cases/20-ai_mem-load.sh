#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# ai_mem parameters: the default 256 MB pool loads and is split over both
# nodes; pool_mb and numa are honoured; impossible pools are refused
# cleanly, leaving no memory behind.
. /lib/tap.sh
P=/sys/module/ai_mem/parameters

for p in pool_mb numa user_max_mb; do
	t_check "modinfo lists parameter $p" sh -c \
		"modinfo -F parm $AI_MODDIR/ai_mem.ko | grep -q '^$p:'"
done

t_load ai_mem || exit 1
t_check "default: Total Pool Size: 256 MB" grep -qx 'Total Pool Size: 256 MB' /proc/ai_memory
t_check "default: Block Size: 4 KB" grep -qx 'Block Size: 4 KB' /proc/ai_memory
t_check "default: Total Blocks: 65536" grep -qx 'Total Blocks: 65536' /proc/ai_memory
t_check "default: Allocated: 0 bytes" grep -qx 'Allocated: 0 bytes' /proc/ai_memory
t_check "default: Free Blocks: 65536" grep -qx 'Free Blocks: 65536' /proc/ai_memory
t_check "default: split over the two nodes" sh -c \
	"grep -qx 'Node 0 Blocks: 32768 total, 32768 free' /proc/ai_memory &&
	 grep -qx 'Node 1 Blocks: 32768 total, 32768 free' /proc/ai_memory"
t_check "parameters in sysfs: 256 Y 0" sh -c \
	"[ \"\$(cat $P/pool_mb) \$(cat $P/numa) \$(cat $P/user_max_mb)\" = '256 Y 0' ]"
t_check "pool_mb is read-only, user_max_mb writable by root" sh -c \
	"[ \$(stat -c %a $P/pool_mb) = 444 ] && [ \$(stat -c %a $P/user_max_mb) = 644 ]"
t_check "/proc/ai_memory shows no kernel address" sh -c \
	"! grep -qiE 'ffff[0-9a-f]{8}' /proc/ai_memory"
cat /proc/ai_memory | sed 's/^/# /'
t_unload ai_mem

t_load ai_mem pool_mb=16 || exit 1
t_check "pool_mb=16: Total Blocks: 4096" grep -qx 'Total Blocks: 4096' /proc/ai_memory
t_check "pool_mb=16: Total Pool Size: 16 MB" grep -qx 'Total Pool Size: 16 MB' /proc/ai_memory
t_unload ai_mem

t_load ai_mem pool_mb=8 numa=0 || exit 1
t_check "numa=0: 2048 blocks" grep -qx 'Total Blocks: 2048' /proc/ai_memory
t_check "numa=0: sysfs says N" sh -c "[ \$(cat $P/numa) = N ]"
t_unload ai_mem

t_load_fails ai_mem pool_mb=0
# 1 TiB would need 2 GiB pointer arrays, past kvmalloc()'s INT_MAX: that
# used to WARN and fail with no message; the range check refuses it now.
t_load_fails ai_mem pool_mb=1048576
t_check "pool_mb=1048576: refused as out of range (no kvmalloc WARN)" sh -c \
	"dmesg | grep -q 'pool_mb=1048576 out of range 1..1048575'"
# Free pages: the buddy lists plus the per-CPU lists (MemFree leaves the
# latter out, and freeing a big pool fills them).
free_pages() {
	awk '/nr_free_pages/ {f += $2} /count:/ {f += $2} END {print f}' /proc/zoneinfo
}
before=$(free_pages)
t_load_fails ai_mem pool_mb=3000
after=$(free_pages)
t_check "3000 MB (more than the VM has): message says why" sh -c \
	"dmesg | grep -q 'ai_mem: cannot reserve'"
t_check "  and no memory stays behind ($before pages free before, $after after)" \
	[ $((before - after)) -lt 1024 ]
t_check "  and no /dev or /proc entry either" sh -c \
	"! [ -e /dev/ai_mem ] && ! [ -e /proc/ai_memory ]"
t_done
