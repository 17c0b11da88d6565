#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# trace-runtime.sh - the tracer's second layer against vendors' own code:
# NVIDIA's CUDA runtime, statically linked by nvcc and as libcudart.so.13,
# with NVIDIA's stub libcuda.so as the driver (every call fails, and each
# must be counted, as an error); AMD's libamdhip64.so.5 with no GPU; and
# duty-cycled tracing of a steady workload. Host only (root); prints TAP.
# Skips with the reason where the CUDA toolkit or libamdhip64 is absent.
set -u
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../../build/user}
mon=$bin/ai_monitor
cuda=${CUDA_HOME:-/usr/local/cuda}
hip=/usr/lib/x86_64-linux-gnu/libamdhip64.so.5

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check() { if eval "$1"; then ok "$2"; else notok "$2"; fi; }
skip() { n=$((n + 1)); echo "ok $n - $2 # SKIP $1"; }
diag() { sed 's/^/# /'; }
done_() { echo "1..$n"; [ $failed -eq 0 ]; exit $?; }

tmp=$(mktemp -d /tmp/trace-runtime.XXXXXX) || exit 1
tracer=
cleanup() {
	[ -n "$tracer" ] && kill "$tracer" 2> /dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

if [ "$(id -u)" -ne 0 ]; then
	skip "not root: BPF needs CAP_BPF and CAP_PERFMON" "runtime layer"
	done_
fi
command -v python3 > /dev/null || { skip "no python3 to read the JSON" "runtime layer"; done_; }

# wait_for FILE REGEX [TENTHS]: until a line of FILE matches (default 60 s).
wait_for() {
	local i=0
	while ! grep -qE "$2" "$1" 2> /dev/null; do
		i=$((i + 1))
		[ "$i" -gt "${3:-600}" ] && return 1
		sleep 0.1
	done
}

# start_tracer ARGS...: ai_monitor trace --json -v ARGS in the background,
# until its probes are live and it has said what it probes.
# The files are emptied here first: the background shell truncates them
# only when it gets to run, and until then wait_for would read the last
# tracer's lines.
start_tracer() {
	: > "$tmp/json"
	: > "$tmp/err"
	"$mon" trace --json -v -i 1 "$@" > "$tmp/json" 2> "$tmp/err" &
	tracer=$!
	if ! wait_for "$tmp/err" '^CPU-side'; then
		diag < "$tmp/err"
		return 1
	fi
}

stop_tracer() {
	sleep 1.2	# the last calls' interval ends
	kill -INT "$tracer"
	wait "$tracer"
	tracer=
}

# sum PID LAYER API FIELD: FIELD summed over every interval's rows.
sum() {
	python3 - "$tmp/json" "$@" << 'PY'
import json, sys
path, pid, layer, api, field = sys.argv[1:]
total = 0
for line in open(path):
    d = json.loads(line)
    for r in d["processes"] + d["sync"]:
        if r["pid"] == int(pid) and r["layer"] == layer and r["api"] == api:
            v = r[field]
            total += v[0] if field.endswith("_lo") else v
print(int(round(total)))
PY
}

# cross_check PID: "runtime driver share" from the JSON's cross-check rows.
cross_check() {
	python3 -c '
import json, sys
for line in open(sys.argv[1]):
    for c in json.loads(line)["cross_check"]:
        if c["pid"] == int(sys.argv[2]):
            print(c["runtime_launches"], c["driver_launches"], c["driver_share"])' \
		"$tmp/json" "$1"
}

# ---- the CUDA runtime, with NVIDIA's own libraries
stub=$cuda/lib64/stubs/libcuda.so
if [ ! -x "$bin/cuda_rt_static" ] || [ ! -f "$stub" ] || [ ! -f "$cuda/lib64/libcudart.so.13" ]; then
	skip "no CUDA 13 toolkit at $cuda (nvcc, stubs/libcuda.so, libcudart.so.13)" \
		"CUDA runtime layer"
else
	mkdir -p "$tmp/stub"
	ln -s "$stub" "$tmp/stub/libcuda.so.1"
	export LD_LIBRARY_PATH=$tmp/stub

	start_tracer || { notok "tracer starts"; done_; }
	grep -q 'libcudart.so.13: 12 functions, runtime' "$tmp/err" &&
		ok "the loader's libcudart.so.13 is probed at start: all 12 runtime functions" ||
		{ notok "the loader's libcudart.so.13 is probed at start"; diag < "$tmp/err"; }

	# Static, started after the tracer: found through its exec. It waits
	# until its own file is probed, then launches.
	coproc APP { exec "$bin/cuda_rt_static" -w -n 25; }
	apid=$APP_PID
	read -r line <&"${APP[0]}"
	if wait_for "$tmp/err" "cuda_rt_static: probes attached" 100; then
		ok "a statically linked program started later is found at its exec"
	else
		notok "a statically linked program started later is found at its exec"
	fi
	echo go >&"${APP[1]}"
	read -r out <&"${APP[0]}"
	wait "$apid"
	[ "$out" = "launches 25 sync 34" ] && ok "it ran against the stub: '$out'" ||
		notok "it ran against the stub: '$out' (want launches 25, error 34)"

	# The same file again: probed from its very first call.
	"$bin/cuda_rt_static" -n 13 > /dev/null &
	spid=$!
	wait "$spid"

	# libcudart.so.13, through the loader.
	LD_LIBRARY_PATH=$tmp/stub:$cuda/lib64 "$bin/cuda_rt_shared" -n 17 > "$tmp/shared.out" &
	dpid=$!
	wait "$dpid"
	stop_tracer

	check '[ "$(sum $apid runtime cudaLaunchKernel launches)" = 25 ]' \
		"static runtime: 25 of 25 <<<>>> launches counted as cudaLaunchKernel (got $(sum $apid runtime cudaLaunchKernel launches))"
	check '[ "$(sum $apid runtime cudaLaunchKernel errors)" = 25 ]' \
		"static runtime: all 25 counted as errors"
	check '[ "$(sum $apid runtime cudaStreamSynchronize launches)" = 1 ] &&
	       [ "$(sum $apid runtime cudaDeviceSynchronize launches)" = 1 ]' \
		"static runtime: cudaStreamSynchronize and cudaDeviceSynchronize once each, as syncs"
	check '[ "$(sum $spid runtime cudaLaunchKernel launches)" = 13 ]' \
		"static runtime, second run: 13 of 13 from the first call (got $(sum $spid runtime cudaLaunchKernel launches))"
	check '[ "$(sum $dpid runtime cudaLaunchKernel launches)" = 17 ] &&
	       [ "$(sum $dpid runtime cudaLaunchKernel errors)" = 17 ]' \
		"-cudart shared: 17 of 17 launches through libcudart.so.13, all errors (got $(sum $dpid runtime cudaLaunchKernel launches))"
	cc=$(cross_check "$apid")
	[ "$cc" = "25 0 0.0" ] &&
		ok "cross-check: the driver's probes saw none of the 25 (the stub fails before any driver launch)" ||
		notok "cross-check for the static program: '$cc' (want 25 0 0.0)"

	# -p: a running program's own file.
	coproc APP { exec "$bin/cuda_rt_static" -w -n 9; }
	ppid_=$APP_PID
	read -r line <&"${APP[0]}"
	if start_tracer -p "$ppid_"; then
		grep -q "cuda_rt_static: 12 functions, runtime" "$tmp/err" &&
			ok "-p: the program's static runtime found in its maps" ||
			notok "-p: the program's static runtime found in its maps"
		echo go >&"${APP[1]}"
		wait "$ppid_"
		stop_tracer
		check '[ "$(sum $ppid_ runtime cudaLaunchKernel launches)" = 9 ]' \
			"-p: 9 of 9 launches"
	else
		notok "-p: the tracer starts"
		kill "$ppid_"
	fi
	unset LD_LIBRARY_PATH
fi

# ---- HIP, with AMD's own library and no GPU
if [ ! -f "$hip" ]; then
	skip "no $hip (Debian's libamdhip64-5)" "HIP layer"
else
	start_tracer || { notok "tracer starts"; done_; }
	grep -qE 'libamdhip64\.so[.0-9]*: 12 functions, hip' "$tmp/err" &&
		ok "the loader's libamdhip64 is probed at start" ||
		{ notok "the loader's libamdhip64 is probed at start"; diag < "$tmp/err"; }
	"$bin/hip_app" -l "$hip" -a all -n 20 > "$tmp/hip.out" 2> "$tmp/hip.err" &
	hpid=$!
	wait "$hpid"
	hrc=$?
	stop_tracer
	[ $hrc -eq 0 ] && ok "hip_app called every HIP function 20 times" ||
		{ notok "hip_app failed ($hrc)"; diag < "$tmp/hip.err"; }
	bad=
	for f in $(awk '{ print $1 }' "$tmp/hip.out" | sort -u); do
		want=$(awk -v f="$f" '$1 == f { sub("count=", "", $3); n += $3 } END { print n }' \
			"$tmp/hip.out")
		got=$(sum "$hpid" hip "$f" launches)
		errs=$(sum "$hpid" hip "$f" errors)
		[ "$got" = "$want" ] && [ "$errs" = "$want" ] || bad="$bad $f:$got/$errs/$want"
	done
	[ -z "$bad" ] && ok "every HIP function: each call counted, each as an error ($(awk '{ print $1 }' "$tmp/hip.out" | sort -u | wc -l) functions)" ||
		notok "HIP counts (got/errors/want):$bad"
fi

# ---- both CUDA layers on one call: a runtime that calls the driver
# (fake_cudart.c), found with the fixture driver where the loader looks.
drv=$bin/fakecuda
rt=$bin/fakecudart
LD_LIBRARY_PATH=$drv:$rt start_tracer || { notok "two-layer tracer starts"; done_; }
LD_LIBRARY_PATH=$drv "$bin/cuda_app" -l "$rt/libcudart.so.13" -a cudaLaunchKernel -n 40 \
	-C two_layers > /dev/null &
tpid=$!
wait "$tpid"
LD_LIBRARY_PATH=$drv "$bin/cuda_app" -l "$rt/libcudart.so.13" -a cudaDeviceSynchronize \
	-n 10 -C two_layers > /dev/null &
spid=$!
wait "$spid"
stop_tracer
check '[ "$(sum $tpid runtime cudaLaunchKernel launches)" = 40 ] &&
       [ "$(sum $tpid driver cuLaunchKernel launches)" = 40 ]' \
	"a runtime launch that calls the driver: 40 in each layer, neither losing the other"
check '[ "$(sum $spid runtime cudaDeviceSynchronize launches)" = 10 ] &&
       [ "$(sum $spid driver cuCtxSynchronize launches)" = 10 ]' \
	"a runtime sync that waits in the driver: 10 in each layer"
cc=$(cross_check "$tpid")
[ "$cc" = "40 40 1.0" ] && ok "cross-check: the driver's probes saw all 40 of the runtime's launches" ||
	notok "cross-check with both layers: '$cc' (want 40 40 1.0)"
check '[ "$(python3 -c "import json,sys; print(sum(json.loads(l)[\"dropped\"] for l in open(sys.argv[1])))" "$tmp/json")" = 0 ]' \
	"nested layers: nothing counted as dropped"

# ---- duty cycling: a steady rate, sampled a fifth of the time
lib=$bin/fakecuda/libcuda.so.1
start_tracer --lib "$lib" --duty 100/500 || { notok "duty: tracer starts"; done_; }
"$bin/cuda_app" -l "$lib" -a cuLaunchKernel -n 8000 -r 2000 -C duty_app &
wpid=$!
wait "$wpid"
stop_tracer
est=$(sum "$wpid" driver cuLaunchKernel launches)
seen=$(sum "$wpid" driver cuLaunchKernel sampled)
read -r lo hi < <(python3 -c '
import json, sys
lo = hi = 0
for line in open(sys.argv[1]):
    for r in json.loads(line)["processes"]:
        if r["pid"] == int(sys.argv[2]):
            lo += r["launches_ci95"][0]; hi += r["launches_ci95"][1]
print(int(lo), int(hi))' "$tmp/json" "$wpid")
check '[ "$seen" -gt 0 ] && [ "$seen" -lt 4000 ]' \
	"duty 100/500: $seen of 8000 calls seen (probes off most of the time)"
# A 95% interval misses one time in twenty by design: the check allows
# twice its half-width (about 4 sigma of Poisson sampling, which a steady
# rate beats by far), so that it fails for a wrong scale, not for chance.
check '[ $((est > 8000 ? est - 8000 : 8000 - est)) -le $((hi - lo)) ]' \
	"duty 100/500: 8000 calls estimated as $est (95% interval $lo-$hi)"
check 'grep -q "\"duty\":{\"window_s\"" "$tmp/json"' "duty: each interval says what it sampled"
done_
