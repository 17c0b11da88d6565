#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# trace-cli.sh - `ai_monitor trace` from the command line: options, exit
# codes, signals, and the JSON output checked against the text output of a
# second tracer watching the same calls. Prints TAP. POSIX sh: runs on the
# host (a HOST_TESTS entry, from the build tree) and in the VM (busybox).
#
#   trace-cli.sh [BINDIR [LIBCUDA]]

here=$(cd "$(dirname "$0")" && pwd)
if [ -n "${1:-}" ]; then
	bin=$1
elif [ -x "$here/../../build/user/ai_monitor" ]; then
	bin=$here/../../build/user
else
	bin=/bin
fi
lib=${2:-}
[ -z "$lib" ] && [ -f "$bin/fakecuda/libcuda.so.1" ] && lib=$bin/fakecuda/libcuda.so.1
[ -z "$lib" ] && lib=/usr/lib/x86_64-linux-gnu/libcuda.so.1
mon=$bin/ai_monitor
app=$bin/cuda_app
check=$bin/json_check

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
skip() { n=$((n + 1)); echo "ok $n - $2 # SKIP $1"; }
kver=$(uname -r)
diag() { sed 's/^/# /'; }
done_() { echo "1..$n"; [ $failed -eq 0 ]; exit $?; }

tmp=$(mktemp -d /tmp/trace-cli.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT

# expect STATUS NAME CMD...: CMD must exit with STATUS.
expect() {
	want=$1
	name=$2
	shift 2
	"$@" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	if [ $rc -eq "$want" ]; then
		ok "$name"
	else
		notok "$name (exit $rc, want $want)"
		diag < "$tmp/err"
	fi
}

for f in "$mon" "$app" "$check" "$lib"; do
	if [ ! -e "$f" ]; then
		notok "$f is present"
		done_
	fi
done

expect 2 "unknown option: exit 2" "$mon" trace --bogus
grep -q '^usage: ai_monitor trace' "$tmp/err" && ok "unknown option: usage on stderr" ||
	notok "unknown option: usage on stderr"
expect 2 "interval 0: exit 2" "$mon" trace -i 0
expect 2 "interval not a number: exit 2" "$mon" trace -i 1x
expect 2 "bad pid: exit 2" "$mon" trace -p -3
expect 2 "stray argument: exit 2" "$mon" trace extra
expect 0 "--help: exit 0" "$mon" trace --help
grep -q 'not the kernel.s execution time' "$tmp/out" &&
	ok "--help says what is measured (not GPU execution time)" ||
	notok "--help says what is measured (not GPU execution time)"

if [ "$(id -u)" -ne 0 ]; then
	skip "not root: BPF needs CAP_BPF and CAP_PERFMON" "tracing"
	done_
fi

expect 1 "missing library: exit 1" "$mon" trace --lib /nonexistent/libcuda.so.1 -d 1
grep -q '/nonexistent/libcuda.so.1' "$tmp/err" && ok "missing library: named in the error" ||
	notok "missing library: named in the error"
expect 1 "-p of a process without libcuda: exit 1" "$mon" trace -p $$ -d 1
grep -q 'has mapped no libcuda' "$tmp/err" && ok "-p without libcuda: says so" ||
	notok "-p without libcuda: says so"

# wait_attached FILE: until the tracer has said it is tracing (or 60 s).
wait_attached() {
	i=0
	while ! grep -q '^Tracing' "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 600 ] && return 1
		sleep 0.1
	done
}

# Two tracers, JSON and text, over the same calls.
"$mon" trace --lib "$lib" -i 1 --json > "$tmp/json" 2> "$tmp/json.err" &
jpid=$!
"$mon" trace --lib "$lib" -i 1 > "$tmp/text" 2> "$tmp/text.err" &
tpid=$!
if ! wait_attached "$tmp/json.err" || ! wait_attached "$tmp/text.err"; then
	notok "tracers attached"
	diag < "$tmp/json.err"
	kill $jpid $tpid
	done_
fi
ok "two tracers attached at once"
# Calls of a few tens of us, so that what each tracer adds to the other's
# timing (one BPF program run) stays well inside a bucket.
"$app" -l "$lib" -a all -n 50 -d 50000 -s 50000 -C cli_all &
a1=$!
"$app" -l "$lib" -a cuLaunchKernel -n 200 -d 20000 -S 10 -s 100000 -C cli_slow &
a2=$!
wait $a1
wait $a2
sleep 1.5
kill -INT $jpid
kill -TERM $tpid
wait $jpid
jrc=$?
wait $tpid
trc=$?
[ $jrc -eq 0 ] && ok "SIGINT: exit 0" || notok "SIGINT: exit 0 (got $jrc)"
[ $trc -eq 0 ] && ok "SIGTERM: exit 0" || notok "SIGTERM: exit 0 (got $trc)"

if "$check" < "$tmp/json" > "$tmp/json.rows" 2> "$tmp/check.err"; then
	ok "every JSON line parses and has the documented shape ($(wc -l < "$tmp/json") lines)"
else
	notok "every JSON line parses and has the documented shape"
	diag < "$tmp/check.err"
fi
if command -v python3 > /dev/null; then
	bad=0
	while read -r line; do
		echo "$line" | python3 -m json.tool > /dev/null 2>&1 || bad=$((bad + 1))
	done < "$tmp/json"
	[ $bad -eq 0 ] && ok "python3 -m json.tool accepts every line" ||
		notok "python3 -m json.tool rejects $bad lines"
else
	skip "no python3 here" "python3 -m json.tool accepts every line"
fi

# Both outputs reduced to "row PID API COUNT" / "bucket PID API LO COUNT",
# summed over the intervals.
awk '/^pid [0-9]+ \(/ {
	pid = $2; s = $0; sub(/^pid [0-9]+ \(.*\) [a-z]+ /, "", s); split(s, a, /[: ]+/)
	api = a[1]; print "row", pid, api, a[2]; next
}
/^ *[0-9]+ -> / && $5 > 0 { print "bucket", pid, api, $1, $5 }' "$tmp/text" > "$tmp/text.rows"
sum() {
	awk '{ k = $1 " " $2 " " $3; if ($1 == "bucket") k = k " " $4; s[k] += $NF }
	END { for (k in s) print k, s[k] }' "$1" | sort
}
sum "$tmp/json.rows" > "$tmp/json.sum"
sum "$tmp/text.rows" > "$tmp/text.sum"
grep '^row' "$tmp/json.sum" > "$tmp/json.cnt"
grep '^row' "$tmp/text.sum" > "$tmp/text.cnt"
if [ -s "$tmp/json.cnt" ] && cmp -s "$tmp/json.cnt" "$tmp/text.cnt"; then
	ok "JSON and text modes agree on every count ($(wc -l < "$tmp/json.cnt") rows)"
else
	notok "JSON and text modes agree on every count"
	diff "$tmp/json.cnt" "$tmp/text.cnt" | head -20 | diag
fi
# Each tracer times every call itself, and each one's window includes the
# other's program, so a call may land a bucket apart: the p50 of every row
# must be within one bucket of each other. (Not p90: on the bimodal
# latencies of a tight loop it can sit right at the edge between modes.)
pcts() {
	awk '$1 == "bucket" {
		lo = $4; slot = lo
		if (lo >= 4) {
			# busybox awk may lack "^": powers of two by hand.
			l = 0; for (v = lo; v >= 2; v = int(v / 2)) l++
			p2 = 1; for (k = 2; k < l; k++) p2 *= 2
			slot = (l - 1) * 4 + int(lo / p2) % 4
		}
		r = $2 " " $3; n[r] += $5; c[r, slot] += $5
		if (!(r in lo_s) || slot < lo_s[r]) lo_s[r] = slot
		if (!(r in hi_s) || slot > hi_s[r]) hi_s[r] = slot
	}
	END {
		for (r in n) {
			cum = 0; p50 = p90 = -1
			for (s = lo_s[r]; s <= hi_s[r]; s++) {
				cum += c[r, s]
				if (p50 < 0 && cum * 2 >= n[r]) p50 = s
				if (p90 < 0 && cum * 10 >= n[r] * 9) p90 = s
			}
			print r, p50, p90
		}
	}' "$1" | sort
}
pcts "$tmp/json.sum" > "$tmp/json.pct"
pcts "$tmp/text.sum" > "$tmp/text.pct"
far=$(awk 'NR == FNR { a[$1 " " $2] = $3 " " $4; next }
	{
		split(a[$1 " " $2], j, " ")
		d50 = j[1] - $3
		if (d50 < 0) d50 = -d50
		if (d50 > 1) print
	}' "$tmp/json.pct" "$tmp/text.pct")
# The premise, that each tracer's programs cost little beside the calls,
# does not hold on the debug kernel (KASAN and lockdep in every probe hit):
# there one tracer's p50 was 4-5x the other's (9 slots apart).
if [ "${kver%-ai-debug}" != "$kver" ]; then
	skip "the two tracers' own cost outweighs the calls on the debug kernel" \
		"JSON and text modes agree on the buckets (p50 within one bucket)"
elif [ -s "$tmp/json.pct" ] && [ "$(wc -l < "$tmp/json.pct")" -eq "$(wc -l < "$tmp/text.pct")" ] &&
	[ -z "$far" ]; then
	ok "JSON and text modes agree on the buckets (p50 within one bucket)"
else
	notok "JSON and text modes agree on the buckets (p50 within one bucket)"
	echo "$far" | diag
fi

rows=$(grep -c "^row $a1 " "$tmp/json.sum")
bad=$(grep "^row $a1 " "$tmp/json.sum" | awk '$4 != 50' | wc -l)
[ "$rows" -eq 11 ] && [ "$bad" -eq 0 ] && ok "all 11 functions, 50 calls each, in the JSON" ||
	notok "all 11 functions, 50 calls each, in the JSON ($rows rows, $bad wrong)"
grep -q "^row $a2 cuLaunchKernel 200\$" "$tmp/json.sum" &&
	grep -q "^row $a2 cuStreamSynchronize 20\$" "$tmp/json.sum" &&
	ok "the second process: 200 launches, 20 syncs" ||
	notok "the second process: 200 launches, 20 syncs"
if grep -q '"dropped":0,' "$tmp/json" && ! grep -q '"dropped":[1-9]' "$tmp/json"; then
	ok "nothing dropped"
else
	notok "nothing dropped"
	grep -o '"dropped":[1-9].*' "$tmp/json" | diag
	grep 'dropped [1-9]' "$tmp/text" | diag
fi
grep -q "^pid $a2 (cli_slow) driver cuLaunchKernel: .*p50 .*p95 .*p99 " "$tmp/text" &&
	grep -q ' -> .* : .* |\**  *|$' "$tmp/text" &&
	ok "text: percentiles and bcc-style histogram lines" ||
	notok "text: percentiles and bcc-style histogram lines"

# -d ends on its own after the last interval.
"$mon" trace --lib "$lib" -i 0.5 -d 1 --json > "$tmp/d" 2> "$tmp/d.err"
rc=$?
[ $rc -eq 0 ] && [ "$(wc -l < "$tmp/d")" -eq 2 ] &&
	ok "-i 0.5 -d 1: two intervals, exit 0" ||
	notok "-i 0.5 -d 1: two intervals, exit 0 (exit $rc, $(wc -l < "$tmp/d") lines)"
done_
