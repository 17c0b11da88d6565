#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The live dashboard in a real terminal: tmux at 80x24 runs it from a shell
# against fake roots (modules "loaded" in one run, absent in another).
# Every panel must be on screen, the keys must work, a resize must redraw,
# and q or Ctrl-C must give the shell back its terminal as it was.
. "$(dirname "$0")/lib.sh"

make_roots "$TMP/a"
mkdir -p "$TMP/empty/proc" "$TMP/empty/sys"
SOCK="$TMP/tmux.sock"
T() { tmux -S "$SOCK" "$@"; }
screen() { T capture-pane -p -t dash; }
# wait_for PATTERN: up to 5 s for the screen to show it.
wait_for() {
	for _ in $(seq 50); do
		screen | grep -q -- "$1" && return 0
		sleep 0.1
	done
	screen | diag
	return 1
}
alt() { T display -p -t dash '#{alternate_on}'; }

T -f /dev/null new-session -d -s dash -x 80 -y 24 "env -i PATH=$PATH TERM=xterm-256color HOME=$TMP bash --norc --noprofile"
T set -g status off
T send-keys -t dash "PS1='$ '; stty -g > $TMP/stty.before" Enter
sleep 0.3

run_dash() {
	T send-keys -t dash "clear; LD_LIBRARY_PATH=$TMP/nolib $MON dashboard --no-tracer $*; echo EXIT=\$?; stty -g > $TMP/stty.after" Enter
}

run_dash --proc-root "$TMP/a/proc" --sysfs-root "$TMP/a/sys"
check "dashboard starts" wait_for "ai_monitor dashboard"
screen > "$TMP/s1"
check "alternate screen while running" test "$(alt)" = 1
check "GPU panel with the sysfs card" grep -q "card0 .* 63%" "$TMP/s1"
check "launch latency panel, labelled CPU-side" grep -q "Launch latency, CPU-side enqueue time (not GPU execution)" "$TMP/s1"
check "process panel" grep -q "Processes launching" "$TMP/s1"
check "memory pool panel" grep -q "pool 256 MiB  used 100 MiB" "$TMP/s1"
check "memory owner row" grep -q "4242 .*python3" "$TMP/s1"
check "scheduler panel" grep -q "available: yes  AI tasks: 2" "$TMP/s1"
check "scheduler task row" grep -q "4343 .*feeder .*relaxed" "$TMP/s1"
check "fits 80 columns" test "$(awk '{ if (length($0) > m) m = length($0) } END { print m }' "$TMP/s1")" -le 80
check "fits 24 rows" test "$(wc -l < "$TMP/s1")" -le 24

T send-keys -t dash '?'
check "? shows the help" wait_for "r       reset launch histograms"
T send-keys -t dash x
check "any key closes the help" wait_for "Scheduler"
T send-keys -t dash p
check "p pauses" wait_for "PAUSED"
T send-keys -t dash p
sleep 0.3
check "p resumes" bash -c "! tmux -S '$SOCK' capture-pane -p -t dash | grep -q PAUSED"
T send-keys -t dash r
check "r keeps it running" wait_for "Scheduler"

T resize-window -t dash -x 100 -y 30
check "redraws at 100 columns" wait_for "-- Scheduler -- ai_sched -\{60\}"
T resize-window -t dash -x 80 -y 24
check "and back at 80" wait_for "-- Scheduler -- ai_sched -\{50\}"

T send-keys -t dash q
check "q quits with status 0" wait_for "EXIT=0"
sleep 0.3
check "q leaves the alternate screen" test "$(alt)" = 0
check "q restores the terminal modes" cmp -s "$TMP/stty.before" "$TMP/stty.after"

# Nothing loaded, no GPU: panels say so instead of failing.
rm -f "$TMP/stty.after"
run_dash --proc-root "$TMP/empty/proc" --sysfs-root "$TMP/empty/sys"
check "empty roots: starts" wait_for "ai_monitor dashboard"
screen > "$TMP/s2"
check "no GPU panel" grep -q "no GPU: no NVIDIA driver" "$TMP/s2"
check "ai_mem not loaded panel" grep -q "ai_mem: not loaded" "$TMP/s2"
check "ai_sched not loaded panel" grep -q "ai_sched: not loaded" "$TMP/s2"
check "tracer panel says why" grep -q "tracer unavailable: not started" "$TMP/s2"
T send-keys -t dash C-c
check "Ctrl-C quits" wait_for "EXIT=0"
sleep 0.3
check "Ctrl-C leaves the alternate screen" test "$(alt)" = 0
check "Ctrl-C restores the terminal modes" cmp -s "$TMP/stty.before" "$TMP/stty.after"

T kill-server
done_testing
