# SPDX-License-Identifier: GPL-2.0
#
# report.awk - turn a test VM's console log into verdicts.
#
#   awk -v kver=6.1 -f report.awk console.log
#
# Prints one line per check ("PASS|FAIL|SKIP [kver] case: name") and at the
# end "@@TOTALS <passed> <failed> <skipped>". A run is red when any check
# fails, a case exits non-zero unexplained or never ends (killed at its
# deadline), the kernel reports a bug, or the VM never reaches "@@VM DONE".

function verdict(kind, what) {
	printf "%s [%s] %s: %s\n", kind, kver, (cur == "" ? "vm" : cur), what
	if (kind == "PASS")
		pass++
	else if (kind == "FAIL") {
		fail++
		case_failed[cur] = 1
	} else
		skipped++
}

BEGIN { pass = fail = skipped = 0; cur = ""; booted = done = faults = 0 }

{ sub(/\r$/, "") }

/^@@VM BOOT / { booted = 1; next }
/^@@VM DONE/ { done = 1; next }
/^@@BEGIN / { cur = $2; open_case[cur] = 1; faults = 0; next }
/^@@END / {
	rc = $3
	sub(/^rc=/, "", rc)
	if (rc != 0 && !case_failed[cur])
		verdict("FAIL", rc == 137 ? "killed at its deadline (hang?)" : \
			"exited with status " rc " without a failed check")
	delete open_case[cur]
	cur = ""
	faults = 0
	next
}

# A case that injects allocation failures on purpose (fault injection)
# brackets them with "@@FAULTS on|off": in between, the allocator's own
# failure report ("page allocation failure" with its stack dump) is
# expected and its "Call Trace:" is not a verdict. Every report pattern
# below still is.
/^@@FAULTS on/ { faults = 1; next }
/^@@FAULTS off/ { faults = 0; next }

# The kernel's own reports, wherever they land in a line: bugs, warnings
# (lockdep's "possible circular locking" and "suspicious RCU usage" are
# WARNINGs), the sanitizers, kmemleak's listing (tests/vm/init prints it
# after its final scan), refcount and list corruption, hung tasks, stalls.
/BUG:|kernel BUG at|invalid opcode:|WARNING:|Oops|general protection|KASAN|UBSAN|suspected memory leak|unreferenced object|Kernel panic|Call Trace:|refcount_t:|list_add corruption|list_del corruption|blocked for more than|detected stall|Bad page|memory corruption|kmemleak: .*(disabled|Cannot allocate)/ {
	if (faults && $0 ~ /Call Trace:/)
		next
	if ($0 !~ /^(not )?ok [0-9]+ / && $0 !~ /^#/) {
		line = $0
		sub(/^\[ *[0-9.]+\] /, "", line)
		verdict("FAIL", "kernel: " line)
		next
	}
}

/^not ok [0-9]+/ {
	line = $0
	sub(/^not ok [0-9]+ *-? */, "", line)
	verdict("FAIL", line)
	next
}
/^ok [0-9]+/ {
	line = $0
	sub(/^ok [0-9]+ *-? */, "", line)
	if (line ~ /# *SKIP/) {
		reason = line
		sub(/.*# *SKIP */, "", reason)
		sub(/ *# *SKIP.*/, "", line)
		verdict("SKIP", line " (" reason ")")
	} else
		verdict("PASS", line)
	next
}

END {
	for (c in open_case) {
		cur = c
		verdict("FAIL", "never finished")
	}
	cur = ""
	if (!booted)
		verdict("FAIL", "VM did not boot to the test runner")
	else if (!done)
		verdict("FAIL", "VM did not finish (timeout or crash)")
	printf "@@TOTALS %d %d %d\n", pass, fail, skipped
}
