// SPDX-License-Identifier: GPL-2.0
/*
 * trace_insn.c - where in a function to put its probe: a few x86-64
 * prologue instructions decoded, to reach one the kernel emulates.
 */
#include <stdbool.h>
#include <stddef.h>

#include "trace_lib.h"

/*
 * Where in a function to put its uprobe (x86-64).
 *
 * A uprobe's breakpoint replaces one instruction, which the kernel then
 * either emulates (push, call, jmp, jcc, nop: x86 uprobes.c) or copies out
 * of line and single-steps: one more trap, ~3 times the cost of the whole
 * probe on this machine. Tracers put the probe on the function's first
 * instruction. We may put it on a later one when every instruction before
 * it neither moves %rsp nor transfers control, so that at the probe:
 *
 *  - the return address is still at (%rsp), where the uretprobe expects it
 *    (the stack height at a given address is fixed in compiled code, as its
 *    DWARF CFI states, so this holds however the address is reached);
 *  - every call has run the skipped instructions, and nothing else has.
 *
 * So we skip a few prologue instructions that are known to be harmless
 * (endbr64, register moves and loads, arithmetic on registers other than
 * %rsp or on memory, test/cmp) to reach an
 * instruction the kernel emulates. Anything not understood stops the scan
 * and the probe stays on the first instruction.
 */

#define SCAN_INSNS	6
#define REG_RSP		4

bool gt_insn_emulated(const unsigned char *b, size_t len)
{
	unsigned char op;

	if (len < 1)
		return false;
	op = b[0];
	if ((op == 0x41 || op == 0x66 || op == 0x0f) && len < 2)
		return false;
	if (op == 0x41)			/* REX.B: push %r8..%r15 */
		return b[1] >= 0x50 && b[1] <= 0x57;
	if (op == 0x66 && b[1] == 0x90)	/* xchg %ax,%ax */
		return true;
	if (op == 0x0f)			/* jcc rel32 */
		return b[1] >= 0x80 && b[1] <= 0x8f;
	return (op >= 0x50 && op <= 0x57) || (op >= 0x70 && op <= 0x7f) ||
	       op == 0x90 || op == 0xe8 || op == 0xe9 || op == 0xeb;
}

/*
 * Length of a ModRM operand (ModRM byte, SIB, displacement) at @m, or 0 if
 * it does not fit in @len. *rm gets the r/m register when mod == 3, else -1.
 */
static size_t modrm_len(const unsigned char *m, size_t len, int rex, int *rm)
{
	unsigned int mod = m[0] >> 6, r = m[0] & 7;
	size_t n = 1;

	*rm = -1;
	if (mod == 3) {
		*rm = r | (rex & 1) << 3;
		return 1;
	}
	if (r == 4) {			/* SIB */
		if (len < 2)
			return 0;
		if (mod == 0 && (m[1] & 7) == 5)
			n += 4;		/* no base: disp32 */
		n++;
	} else if (mod == 0 && r == 5) {
		n += 4;			/* %rip + disp32 */
	}
	if (mod == 1)
		n += 1;
	else if (mod == 2)
		n += 4;
	return n <= len ? n : 0;
}

/* Length of @b's first instruction if it is one we may skip, else 0. */
static size_t skippable(const unsigned char *b, size_t len)
{
	size_t i = 0, n;
	int rex = 0, reg, rm;

	if (len >= 4 && b[0] == 0xf3 && b[1] == 0x0f && b[2] == 0x1e && b[3] == 0xfa)
		return 4;		/* endbr64 */
	if (i < len && (b[i] == 0x64 || b[i] == 0x65))
		i++;			/* %fs/%gs: the stack protector's canary load */
	if (i < len && (b[i] & 0xf0) == 0x40)
		rex = b[i++];
	if (i + 1 >= len)
		return 0;
	switch (b[i]) {
	case 0x89:	/* mov r, r/m */
	case 0x31:	/* xor r, r/m */
	case 0x8b:	/* mov r/m, r */
	case 0x33:	/* xor r/m, r */
	case 0x8d:	/* lea m, r */
	case 0x85:	/* test */
	case 0x39:	/* cmp */
	case 0x3b:	/* cmp */
		n = modrm_len(b + i + 1, len - i - 1, rex, &rm);
		if (!n)
			return 0;
		reg = (b[i + 1] >> 3 & 7) | (rex & 4) << 1;
		/* Whatever it writes must not be %rsp. */
		if ((b[i] == 0x89 || b[i] == 0x31) && rm == REG_RSP)
			return 0;
		if ((b[i] == 0x8b || b[i] == 0x33 || b[i] == 0x8d) && reg == REG_RSP)
			return 0;
		if (b[i] == 0x8d && rm >= 0)
			return 0;	/* lea with a register operand: invalid */
		return i + 1 + n;
	}
	if (b[i] == 0x83 || b[i] == 0x81) {	/* add/sub/and/or/xor/cmp $imm, r/m */
		n = modrm_len(b + i + 1, len - i - 1, rex, &rm);
		if (!n || rm == REG_RSP)
			return 0;
		n = i + 1 + n + (b[i] == 0x83 ? 1 : 4);
		return n <= len ? n : 0;
	}
	if (b[i] >= 0xb8 && b[i] <= 0xbf) {	/* mov $imm, r */
		if (((b[i] & 7) | (rex & 1) << 3) == REG_RSP)
			return 0;
		n = i + 1 + (rex & 8 ? 8 : 4);
		return n <= len ? n : 0;
	}
	return 0;
}

size_t gt_probe_offset(const unsigned char *code, size_t len)
{
	size_t off = 0, n;
	int i;

	for (i = 0; i < SCAN_INSNS && off < len; i++) {
		if (gt_insn_emulated(code + off, len - off))
			return off;
		n = skippable(code + off, len - off);
		if (!n)
			break;
		off += n;
	}
	return 0;
}
