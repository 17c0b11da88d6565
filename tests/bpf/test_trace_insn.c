// SPDX-License-Identifier: GPL-2.0
/*
 * test_trace_insn - where the tracer puts a function's probe (trace_insn.c):
 * past harmless prologue instructions onto one the kernel emulates, never
 * past anything that moves %rsp or branches.
 */
#include "tap.h"
#include "trace_lib.h"

#define BYTES(...) ((const unsigned char[]){ __VA_ARGS__ })
#define PROBE(...) (gt_probe_offset(BYTES(__VA_ARGS__), sizeof(BYTES(__VA_ARGS__))))
#define EMULATED(...) (gt_insn_emulated(BYTES(__VA_ARGS__), sizeof(BYTES(__VA_ARGS__))))

int main(void)
{
	is_int(PROBE(0x55, 0x48, 0x89, 0xe5), 0,
	       "push %%rbp first: probe the entry (already emulated)");
	is_int(PROBE(0x31, 0xff, 0xe9, 1, 0, 0, 0), 2,
	       "xor %%edi,%%edi; jmp: probe the jmp");
	is_int(PROBE(0xf3, 0x0f, 0x1e, 0xfa, 0x55), 4,
	       "endbr64; push %%rbp: probe the push");
	is_int(PROBE(0xf3, 0x0f, 0x1e, 0xfa, 0x41, 0x57), 4,
	       "endbr64; push %%r15: probe the push");
	is_int(PROBE(0x64, 0x48, 0x8b, 0x04, 0x25, 0x28, 0, 0, 0, 0x53), 9,
	       "stack-protector canary load; push: probe the push");
	is_int(PROBE(0x48, 0x8b, 0x05, 1, 2, 3, 4, 0xe8, 0, 0, 0, 0), 7,
	       "%%rip-relative load; call: probe the call");
	is_int(PROBE(0x89, 0xf8, 0x85, 0xc0, 0x74, 0x02), 4,
	       "mov; test; jz: probe the jz");
	is_int(PROBE(0xb8, 1, 0, 0, 0, 0xc3), 0,
	       "mov $1,%%eax; ret: nothing emulated, probe the entry");
	is_int(PROBE(0x48, 0x83, 0xec, 0x08, 0x55), 0,
	       "sub $8,%%rsp first: probe the entry");
	is_int(PROBE(0x48, 0x89, 0xfc, 0x55), 0,
	       "mov %%rdi,%%rsp is never skipped");
	is_int(PROBE(0x48, 0x83, 0xc0, 0x01, 0x55), 4,
	       "add $1,%%rax is skipped");
	is_int(PROBE(0x48, 0x81, 0x05, 1, 2, 3, 4, 1, 0, 0, 0, 0x55), 11,
	       "addq $imm32 to %%rip-relative memory is skipped");
	is_int(PROBE(0x48, 0x8b, 0x25, 0, 0, 0, 0, 0x55), 0,
	       "a load into %%rsp is never skipped");
	is_int(PROBE(0x48, 0x8d, 0x64, 0x24, 0x08, 0x55), 0,
	       "lea 8(%%rsp),%%rsp is never skipped");
	is_int(PROBE(0x31, 0xe4, 0x55), 0, "xor %%esp,%%esp is never skipped");
	is_int(PROBE(0xbc, 0, 0, 0, 0, 0x55), 0,
	       "mov $imm,%%esp is never skipped");
	is_int(PROBE(0x48, 0x89, 0xe5, 0x55), 3,
	       "mov %%rsp,%%rbp (reads %%rsp only) is skipped");
	is_int(PROBE(0x89, 0xf8, 0x89, 0xf8, 0x89, 0xf8, 0x89, 0xf8, 0x89, 0xf8,
				    0x89, 0xf8, 0x55), 0,
	       "at most a few instructions are skipped");
	is_int(PROBE(0xf3, 0x0f, 0x1e), 0, "truncated code: the entry");
	is_int(PROBE(0x48, 0x8b), 0, "truncated operand: the entry");
	ok(EMULATED(0x41, 0x54), "push %%r12 is emulated");
	ok(!EMULATED(0x41, 0x89), "a REX.B mov is not");
	ok(EMULATED(0x0f, 0x84), "jz rel32 is emulated");
	ok(!EMULATED(0xc3, 0x90), "ret is not");
	return tap_done();
}
