# SPDX-License-Identifier: GPL-2.0
# tap.sh - TAP helpers for in-VM case scripts (busybox ash). Source it.
#
# Every check prints "ok N - name" or "not ok N - name"; skips print
# "ok N - name # SKIP reason". tests/vm/report.awk counts those lines.
# End a case with t_done, whose exit status is non-zero if anything failed.

T_N=0
T_FAIL=0
AI_MODDIR=/lib/modules/ai
AI_EXTRADIR=/lib/modules/extra

t_ok() {
	T_N=$((T_N + 1))
	echo "ok $T_N - $*"
}

t_notok() {
	T_N=$((T_N + 1))
	T_FAIL=$((T_FAIL + 1))
	echo "not ok $T_N - $*"
}

# t_skip REASON NAME...
t_skip() {
	_reason=$1
	shift
	T_N=$((T_N + 1))
	echo "ok $T_N - $* # SKIP $_reason"
}

# t_check NAME CMD...: passes when CMD exits 0; its output is kept as
# diagnostics.
t_check() {
	_name=$1
	shift
	if _out=$("$@" 2>&1); then
		t_ok "$_name"
	else
		t_notok "$_name"
		echo "$_out" | sed 's/^/# /'
	fi
}

# t_load MODULE [PARAM=VALUE...]: insmod one of our modules (or a distro
# module from $AI_EXTRADIR). A failure is a failed test.
t_load() {
	_mod=$1
	shift
	_ko=$AI_MODDIR/$_mod.ko
	[ -f "$_ko" ] || _ko=$AI_EXTRADIR/$_mod.ko
	if _out=$(insmod "$_ko" "$@" 2>&1); then
		t_ok "insmod $_mod $*"
		return 0
	fi
	t_notok "insmod $_mod $*"
	echo "$_out" | sed 's/^/# /'
	return 1
}

# t_load_fails MODULE [PARAM=VALUE...]: the load must be refused.
t_load_fails() {
	_mod=$1
	shift
	if insmod "$AI_MODDIR/$_mod.ko" "$@" >/dev/null 2>&1; then
		t_notok "insmod $_mod $* refused"
		rmmod "$_mod"
		return 1
	fi
	t_ok "insmod $_mod $* refused"
}

# t_load_extra MODULE: a distro module from $AI_EXTRADIR after its
# dependencies (set-up's modules.dep lists the first to load last), each
# loaded once; T_EXTRA_MODS names what was loaded, last first, for
# t_unload_extra.
T_EXTRA_MODS=
t_load_extra() {
	_deps=$(sed -n "s|^extra/$1\.ko:||p" "/lib/modules/$(uname -r)/modules.dep")
	_order=
	for _d in $_deps; do
		_order="$(basename "$_d" .ko) $_order"
	done
	for _m in $_order $1; do
		grep -q "^$_m " /proc/modules && continue
		t_load "$_m" || return 1
		T_EXTRA_MODS="$_m $T_EXTRA_MODS"
	done
}

t_unload_extra() {
	for _m in $T_EXTRA_MODS; do
		t_unload "$_m"
	done
	T_EXTRA_MODS=
}

t_unload() {
	if _out=$(rmmod "$1" 2>&1); then
		t_ok "rmmod $1"
		return 0
	fi
	t_notok "rmmod $1"
	echo "$_out" | sed 's/^/# /'
	return 1
}

# t_run PROGRAM [ARGS...]: run a program that prints its own TAP lines
# (tests/lib/tap.h). Its lines pass through; a non-zero exit that no
# "not ok" line explains (a crash, an early exit) counts as one failure.
t_run() {
	_log=/tmp/t_run.$$
	# Output streams through tee so that a hang still shows how far it got.
	{ "$@" 2>&1; echo $? > "$_log.rc"; } | tee "$_log"
	_rc=$(cat "$_log.rc" 2>/dev/null || echo 255)
	rm -f "$_log.rc"
	if [ "$_rc" -ne 0 ] && ! grep -q '^not ok' "$_log"; then
		t_notok "$1 exited with status $_rc"
	elif [ "$_rc" -ne 0 ]; then
		T_FAIL=$((T_FAIL + 1))
	fi
	rm -f "$_log"
	return $_rc
}

t_done() {
	echo "1..$T_N"
	[ "$T_FAIL" -eq 0 ]
}

# t_debug_kernel: true on the reliability tier's debug kernel
# (tests/vm/debug-kernel.sh names its release "...-ai-debug").
t_debug_kernel() {
	case $(uname -r) in
	*-ai-debug) return 0 ;;
	esac
	return 1
}
