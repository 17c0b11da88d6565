// SPDX-License-Identifier: GPL-2.0
/*
 * The ai_mem ABI, one check per promised behaviour: every errno of ALLOC,
 * FREE, INFO and mmap; size-first extensible arguments; zeroed blocks on
 * reuse; SIGBUS after FREE of a mapped block; the per-user cap; read-only
 * descriptors; never-executable mappings; /proc/ai_memory's format.
 * Expects a freshly loaded module with a small pool and nothing allocated,
 * run as root.
 */
#include <signal.h>

#include "ai_mem_test.h"

static int all_zero(const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return 0;
	return 1;
}

static void test_alloc_errors(int fd, const struct ai_mem_info *info)
{
	struct ai_mem_alloc a;
	uint64_t off;

	is_errno(ai_alloc(fd, 0, -1, 0, &off), EINVAL, "ALLOC length 0: EINVAL");
	is_errno(ai_alloc(fd, PG, -1, 1u << 1, &off), EINVAL,
		 "ALLOC unknown flag: EINVAL");
	is_errno(ai_alloc(fd, PG, -1, 0x80000000u, &off), EINVAL,
		 "ALLOC high unknown flag: EINVAL");
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.length = PG;
	a.node = -1;
	a.__reserved = 1;
	is_errno(ioctl(fd, AI_MEM_IOC_ALLOC, &a), EINVAL,
		 "ALLOC reserved != 0: EINVAL");
	is_errno(ai_alloc(fd, PG, 64, 0, &off), EINVAL,
		 "ALLOC node 64 (not online): EINVAL");
	is_errno(ai_alloc(fd, PG, 1 << 20, 0, &off), EINVAL,
		 "ALLOC node 2^20: EINVAL");
	is_errno(ai_alloc(fd, PG, -2, 0, &off), EINVAL, "ALLOC node -2: EINVAL");
	is_errno(ai_alloc(fd, PG, -1, AI_MEM_ALLOC_STRICT_NODE, &off), EINVAL,
		 "ALLOC strict without a node: EINVAL");
	is_errno(ai_alloc(fd, UINT64_MAX, -1, 0, &off), EINVAL,
		 "ALLOC length 2^64-1: EINVAL");
	is_errno(ai_alloc(fd, UINT64_MAX - PG + 2, -1, 0, &off), EINVAL,
		 "ALLOC length that wraps when rounded up: EINVAL");
	is_errno(ai_alloc(fd, info->pool_bytes + 1, -1, 0, &off), EINVAL,
		 "ALLOC length pool size + 1: EINVAL");
	is_errno(ioctl(fd, AI_MEM_IOC_ALLOC, (void *)8), EFAULT,
		 "ALLOC bad pointer: EFAULT");
	is_errno(ioctl(fd, AI_MEM_IOC_ALLOC, NULL), EFAULT,
		 "ALLOC NULL: EFAULT");
	is_int(ai_info(fd).free_blocks, info->total_blocks,
	       "failed ALLOCs took nothing");
}

/* The result cannot be written back: the allocation must be undone. */
static void test_alloc_efault_out(int fd, const struct ai_mem_info *info)
{
	struct ai_mem_alloc *ro;

	ro = mmap(NULL, PG, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(ro, 0, sizeof(*ro));
	ro->size = sizeof(*ro);
	ro->length = PG;
	ro->node = -1;
	mprotect(ro, PG, PROT_READ);
	is_errno(ioctl(fd, AI_MEM_IOC_ALLOC, ro), EFAULT,
		 "ALLOC into read-only memory: EFAULT");
	is_int(ai_info(fd).free_blocks, info->total_blocks,
	       "  and the allocation was undone");
	is_int(ai_info(fd).file_blocks, 0, "  and nothing is charged");
	munmap(ro, PG);
}

static void test_free_errors(int fd)
{
	uint64_t off, bogus;

	is_errno(ioctl(fd, AI_MEM_IOC_FREE, (void *)8), EFAULT,
		 "FREE bad pointer: EFAULT");
	bogus = 1ULL << 40;
	is_errno(ai_free(fd, bogus), EINVAL, "FREE never-allocated: EINVAL");
	is_errno(ai_free(fd, UINT64_MAX & ~(PG - 1)), EINVAL,
		 "FREE huge offset: EINVAL");
	if (!ok(!ai_alloc(fd, 3 * PG, -1, 0, &off), "ALLOC 3 blocks"))
		return;
	is_errno(ai_free(fd, off + 1), EINVAL, "FREE unaligned: EINVAL");
	is_errno(ai_free(fd, off + PG), EINVAL,
		 "FREE inside an allocation: EINVAL");
	ok(!ai_free(fd, off), "FREE it");
	is_errno(ai_free(fd, off), EINVAL, "FREE twice: EINVAL");
}

static void test_other_ioctls(int fd, const struct ai_mem_info *info)
{
	is_errno(ioctl(fd, _IO(AI_MEM_IOC_MAGIC, 99)), ENOTTY,
		 "unknown command: ENOTTY");
	is_errno(ioctl(fd, _IOR(AI_MEM_IOC_MAGIC, 3, struct ai_mem_info), NULL),
		 ENOTTY, "INFO under the v1 number (size in it): ENOTTY");
	is_errno(ioctl(fd, AI_MEM_IOC_INFO, (void *)8), EFAULT,
		 "INFO bad pointer: EFAULT");
	is_int(info->block_size, 4096, "INFO block_size 4096");
	is_int(info->pool_bytes, info->total_blocks * 4096,
	       "INFO pool_bytes = blocks * 4096");
	is_int(info->free_blocks, info->total_blocks, "INFO pool all free");
	is_int(info->file_blocks, 0, "INFO nothing owned");
	ok(info->nr_nodes >= 1, "INFO nr_nodes %u", info->nr_nodes);
	is_int(info->__reserved, 0, "INFO reserved is 0");
	is_int(info->size, sizeof(*info), "INFO size: what it wrote");
	is_int(info->pending_blocks, 0, "INFO nothing pending");
	is_int(info->user_blocks, 0, "INFO nothing charged to us");
	ok(info->limit_blocks == AI_MEM_NO_LIMIT,
	   "INFO no limit for root with user_max_mb=0");
}

static void test_mmap_rules(int fd)
{
	uint64_t off, off2;
	int fd2 = ai_open();
	char *p;

	if (!ok(!ai_alloc(fd, 4 * PG, -1, 0, &off), "ALLOC 4 blocks"))
		return;
	p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, off);
	ok(p == MAP_FAILED && errno == EINVAL, "mmap MAP_PRIVATE: EINVAL");
	p = ai_map(fd, off, 5 * PG);
	ok(p == MAP_FAILED && errno == EINVAL, "mmap longer than it: EINVAL");
	p = ai_map(fd, off + PG, PG);
	ok(p == MAP_FAILED && errno == EINVAL, "mmap at an inner offset: EINVAL");
	p = ai_map(fd, 1ULL << 40, PG);
	ok(p == MAP_FAILED && errno == EINVAL, "mmap unknown offset: EINVAL");
	p = ai_map(fd2, off, PG);
	ok(p == MAP_FAILED && errno == EINVAL,
	   "mmap another open file's allocation: EINVAL");
	is_errno(ai_free(fd2, off), EINVAL,
		 "FREE another open file's allocation: EINVAL");

	p = ai_map(fd, off, 2 * PG);
	if (ok(p != MAP_FAILED, "mmap its first half")) {
		ok(all_zero((unsigned char *)p, 2 * PG), "  reads zero");
		is_errno(munmap(p + PG, PG), EINVAL,
			 "partial munmap: EINVAL (mappings never split)");
		is_errno(mprotect(p, PG, PROT_READ), EINVAL,
			 "partial mprotect: EINVAL");
		p[PG] = 42;
		ok(!madvise(p, 2 * PG, MADV_DONTNEED) && p[PG] == 42,
		   "MADV_DONTNEED then touch: same page again, data kept");
		ok(!munmap(p, 2 * PG), "whole munmap");
	}
	p = mmap(NULL, 4 * PG, PROT_READ, MAP_SHARED, fd, off);
	ok(p != MAP_FAILED, "mmap PROT_READ");
	if (p != MAP_FAILED) {
		ok(p[PG] == 42 && all_zero((unsigned char *)p, PG),
		   "  sees the same memory");
		munmap(p, 4 * PG);
	}
	ok(!ai_alloc(fd2, PG, -1, 0, &off2) && !ai_free(fd2, off2),
	   "a second open file allocates and frees on its own");
	ok(!ai_free(fd, off), "FREE");
	close(fd2);
}

static void test_zero_on_reuse(int fd, const struct ai_mem_info *info)
{
	size_t len = info->total_blocks * PG, i;
	unsigned char *p;
	uint64_t off;

	/* Dirty the whole pool, free it, take it all again. */
	if (!ok(!ai_alloc(fd, len, -1, 0, &off), "ALLOC the whole pool"))
		return;
	p = ai_map(fd, off, len);
	if (!ok(p != MAP_FAILED, "mmap the whole pool"))
		return;
	ok(all_zero(p, len), "  reads zero");
	for (i = 0; i < len; i += 64)
		p[i] = 0xa5;
	munmap(p, len);
	ok(!ai_free(fd, off), "FREE after writing a pattern everywhere");

	/* At once, before the zero worker can have caught up... */
	if (!ok(!ai_alloc(fd, len, -1, 0, &off), "ALLOC the whole pool again"))
		return;
	p = ai_map(fd, off, len);
	ok(p != MAP_FAILED && all_zero(p, len),
	   "  every byte reads zero (zeroed in the allocation path)");
	munmap(p, len);
	ai_free(fd, off);

	/* ... and after it has. */
	usleep(300000);
	if (!ok(!ai_alloc(fd, len, -1, 0, &off), "ALLOC after a pause"))
		return;
	p = ai_map(fd, off, len);
	ok(p != MAP_FAILED && all_zero(p, len),
	   "  every byte reads zero (zeroed by the worker)");
	munmap(p, len);
	ai_free(fd, off);
}

static void test_free_while_mapped(int fd)
{
	uint64_t off;
	char *p, *q;

	if (!ok(!ai_alloc(fd, 8 * PG, -1, 0, &off), "ALLOC 8 blocks"))
		return;
	p = ai_map(fd, off, 8 * PG);
	q = ai_map(fd, off, 8 * PG);
	if (!ok(p != MAP_FAILED && q != MAP_FAILED, "mapped twice"))
		return;
	p[0] = 1;
	p[7 * PG] = 2;
	ok(q[0] == 1 && q[7 * PG] == 2, "both mappings see the same pages");
	is_int(ai_proc_value("Pending Blocks"), 0, "nothing pending");
	ok(!ai_free(fd, off), "FREE while mapped twice");
	ok(read_faults(p), "touching the first mapping: SIGBUS");
	ok(read_faults(q + 7 * PG), "touching the second mapping: SIGBUS");
	is_int(ai_info(fd).free_blocks, ai_info(fd).total_blocks,
	       "blocks are back in the pool at once");
	ok(!munmap(p, 8 * PG) && !munmap(q, 8 * PG), "munmap afterwards");
}

/* user_max_mb holds per user, over all its open files, even for root. */
static void test_user_cap(int fd, const struct ai_mem_info *info)
{
	uint64_t a, b, c;
	int fd2;

	ai_write_param(AI_PARAM("user_max_mb"), "1");
	fd2 = ai_open();
	ok(!ai_alloc(fd, 256 * PG, -1, 0, &a), "user_max_mb=1: 1 MiB fits");
	is_int(ai_info(fd).user_blocks, 256, "  INFO: 256 blocks charged to us");
	is_int(ai_info(fd).limit_blocks, 256, "  INFO: limit 256 blocks");
	is_errno(ai_alloc(fd, PG, -1, 0, &b), EDQUOT,
		 "  one more block: EDQUOT");
	is_errno(ai_alloc(fd2, PG, -1, 0, &c), EDQUOT,
		 "  through another open file too: the cap is per user");
	ai_free(fd, a);
	ok(!ai_alloc(fd2, 256 * PG, -1, 0, &c), "  after FREE, room again");
	ai_free(fd2, c);
	is_int(ai_info(fd).user_blocks, 0, "  INFO: nothing charged after FREE");
	close(fd2);
	ai_write_param(AI_PARAM("user_max_mb"), "0");
	ok(!ai_alloc(fd, info->pool_bytes, -1, 0, &a) && !ai_free(fd, a),
	   "user_max_mb=0: no cap");
}

/* Size-first arguments: older (smaller) and newer (larger) callers. */
static void test_extensible(int fd)
{
	struct {
		struct ai_mem_alloc a;
		uint64_t more[3];
	} big;
	struct {
		struct ai_mem_info i;
		uint64_t more;
	} ibig;
	struct ai_mem_alloc a;
	struct ai_mem_free fr;
	struct ai_mem_info in;

	memset(&big, 0, sizeof(big));
	big.a.size = sizeof(big);
	big.a.length = PG;
	big.a.node = -1;
	ok(!ioctl(fd, AI_MEM_IOC_ALLOC, &big) && !ai_free(fd, big.a.offset),
	   "ALLOC with a larger size, zero tail: accepted");
	big.more[2] = 1;
	is_errno(ioctl(fd, AI_MEM_IOC_ALLOC, &big), E2BIG,
		 "ALLOC with a non-zero unknown tail: E2BIG");
	big.more[2] = 0;
	big.a.size = 2 * PG;
	is_errno(ioctl(fd, AI_MEM_IOC_ALLOC, &big), E2BIG,
		 "ALLOC size past one page: E2BIG");
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a) - 8;
	a.length = PG;
	a.node = -1;
	is_errno(ioctl(fd, AI_MEM_IOC_ALLOC, &a), EINVAL,
		 "ALLOC size below the first version: EINVAL");
	a.size = 0;
	is_errno(ioctl(fd, AI_MEM_IOC_ALLOC, &a), EINVAL, "ALLOC size 0: EINVAL");

	fr.size = sizeof(fr);
	fr.flags = 1;
	fr.offset = 0;
	is_errno(ioctl(fd, AI_MEM_IOC_FREE, &fr), EINVAL,
		 "FREE unknown flag: EINVAL");
	fr.size = 8;
	fr.flags = 0;
	is_errno(ioctl(fd, AI_MEM_IOC_FREE, &fr), EINVAL,
		 "FREE size below the first version: EINVAL");

	memset(&in, 0, sizeof(in));
	in.size = sizeof(in);
	in.flags = 1;
	is_errno(ioctl(fd, AI_MEM_IOC_INFO, &in), EINVAL,
		 "INFO unknown flag: EINVAL");
	memset(&ibig, 0xee, sizeof(ibig));
	memset(&ibig.i, 0, sizeof(ibig.i));
	ibig.more = 0;
	ibig.i.size = sizeof(ibig);
	ok(!ioctl(fd, AI_MEM_IOC_INFO, &ibig) &&
	   ibig.i.size == sizeof(ibig.i) && ibig.more == 0,
	   "INFO with a larger size: fills what it knows, says how much");
}

/* A read-only descriptor (one handed to a sandbox) can only read INFO. */
static void test_readonly_fd(int fd)
{
	int ro = open(AI_DEV, O_RDONLY | O_CLOEXEC);
	struct ai_mem_info in;
	uint64_t off;

	if (!ok(ro >= 0, "open O_RDONLY"))
		return;
	is_errno(ai_alloc(ro, PG, -1, 0, &off), EBADF,
		 "ALLOC on a read-only descriptor: EBADF");
	is_errno(ai_free(ro, 0), EBADF, "FREE on a read-only descriptor: EBADF");
	memset(&in, 0, sizeof(in));
	in.size = sizeof(in);
	ok(!ioctl(ro, AI_MEM_IOC_INFO, &in) && in.total_blocks > 0,
	   "INFO on a read-only descriptor works");
	close(ro);
}

/* Pool memory is never executable. */
static void test_noexec(int fd)
{
	uint64_t off;
	char *p;

	if (!ok(!ai_alloc(fd, PG, -1, 0, &off), "ALLOC a block"))
		return;
	p = mmap(NULL, PG, PROT_READ | PROT_EXEC, MAP_SHARED, fd, off);
	ok(p == MAP_FAILED && errno == EPERM, "mmap PROT_EXEC: EPERM");
	p = ai_map(fd, off, PG);
	if (ok(p != MAP_FAILED, "mmap read-write")) {
		is_errno(mprotect(p, PG, PROT_READ | PROT_EXEC), EACCES,
			 "  mprotect(PROT_EXEC) later: EACCES (VM_MAYEXEC clear)");
		munmap(p, PG);
	}
	ai_free(fd, off);
}

static void test_enomem(int fd, const struct ai_mem_info *info)
{
	uint64_t a, b;

	ok(!ai_alloc(fd, info->pool_bytes - PG, -1, 0, &a),
	   "ALLOC all but one block");
	is_errno(ai_alloc(fd, 2 * PG, -1, 0, &b), ENOMEM,
		 "ALLOC 2 more: ENOMEM");
	ok(!ai_alloc(fd, PG, -1, 0, &b), "ALLOC the last one");
	is_errno(ai_alloc(fd, PG, -1, 0, NULL), ENOMEM, "pool empty: ENOMEM");
	is_int(ai_proc_value("Free Blocks"), 0, "/proc: 0 free blocks");
	ai_free(fd, a);
	ai_free(fd, b);
	is_int(ai_info(fd).free_blocks, info->total_blocks, "recovered");
}

static void test_proc(int fd, const struct ai_mem_info *info)
{
	char line[256], comm[64];
	int seen_owner = 0, fields, pid;
	unsigned long long blocks, bytes, mapped;
	uint64_t off;
	FILE *f;
	char *p;

	ai_alloc(fd, 5 * PG, -1, 0, &off);
	p = ai_map(fd, off, 2 * PG);
	f = fopen(AI_PROC, "r");
	if (!ok(f != NULL, "open %s", AI_PROC))
		return;
	ok(fgets(line, sizeof(line), f) &&
	   !strncmp(line, "Total Pool Size: ", 17), "line 1: Total Pool Size");
	ok(fgets(line, sizeof(line), f) && !strcmp(line, "Block Size: 4 KB\n"),
	   "line 2: Block Size: 4 KB");
	ok(fgets(line, sizeof(line), f) &&
	   strtoull(line + 14, NULL, 10) == info->total_blocks &&
	   !strncmp(line, "Total Blocks: ", 14), "line 3: Total Blocks");
	ok(fgets(line, sizeof(line), f) && !strncmp(line, "Allocated: ", 11) &&
	   strstr(line, " bytes\n"), "line 4: Allocated: N bytes");
	while (fgets(line, sizeof(line), f)) {
		fields = sscanf(line, "%d\t%63s\t%llu\t%llu\t%llu", &pid, comm,
				&blocks, &bytes, &mapped);
		if (fields == 5 && pid == getpid())
			seen_owner = blocks == 5 && bytes == 5 * PG &&
				     mapped == 2 * PG;
	}
	fclose(f);
	ok(seen_owner, "owner row: our pid, 5 blocks, 20480 bytes, 8192 mapped");
	is_int(ai_proc_value("Allocated"), 5 * PG, "Allocated: 20480 bytes");
	is_int(ai_proc_value("Free Blocks"), info->total_blocks - 5,
	       "Free Blocks");
	munmap(p, 2 * PG);
	ai_free(fd, off);
}

int main(void)
{
	int fd = ai_open();
	struct ai_mem_info info = ai_info(fd);

	diag("pool: %llu blocks on %u node(s)",
	     (unsigned long long)info.total_blocks, info.nr_nodes);
	test_other_ioctls(fd, &info);
	test_alloc_errors(fd, &info);
	test_alloc_efault_out(fd, &info);
	test_free_errors(fd);
	test_mmap_rules(fd);
	test_enomem(fd, &info);
	test_user_cap(fd, &info);
	test_extensible(fd);
	test_readonly_fd(fd);
	test_noexec(fd);
	test_zero_on_reuse(fd, &info);
	test_free_while_mapped(fd);
	test_proc(fd, &info);
	close(fd);
	ok(ai_wait_pool_full(5), "pool full after close");
	return tap_done();
}
