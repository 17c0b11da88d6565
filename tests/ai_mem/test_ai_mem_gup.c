// SPDX-License-Identifier: GPL-2.0
/*
 * get_user_pages() on ai_mem mappings: O_DIRECT I/O to and from a mapped
 * allocation (brd's /dev/ram0), references that outlive a FREE (a pipe
 * holding vmspliced pages, an io_uring fixed buffer) keep the blocks out of
 * the pool until they are dropped.
 */
#include <linux/io_uring.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "ai_mem_test.h"

#define RAM_DEV	"/dev/ram0"
#define IO_LEN	(1UL << 20)

static void fill(unsigned char *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(i * 7 + seed + (i >> 12));
}

static int check(const unsigned char *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != (unsigned char)(i * 7 + seed + (i >> 12)))
			return 0;
	return 1;
}

static void test_o_direct(int fd)
{
	unsigned char *src, *buf;
	uint64_t off;
	int dev;

	dev = open(RAM_DEV, O_RDWR | O_DIRECT);
	if (dev < 0) {
		skip(strerror(errno), "O_DIRECT on " RAM_DEV);
		return;
	}
	/* The pattern reaches the disk through an ordinary O_DIRECT write. */
	if (posix_memalign((void **)&src, PG, IO_LEN))
		return;
	fill(src, IO_LEN, 1);
	is_int(pwrite(dev, src, IO_LEN, 0), IO_LEN, "O_DIRECT write pattern");

	if (!ok(!ai_alloc(fd, IO_LEN, -1, 0, &off), "ALLOC 1 MiB"))
		return;
	buf = ai_map(fd, off, IO_LEN);
	if (!ok(buf != MAP_FAILED, "mmap it"))
		return;
	is_int(pread(dev, buf, IO_LEN, 0), IO_LEN,
	       "O_DIRECT read into the mapping succeeds (GUP works)");
	ok(check(buf, IO_LEN, 1), "  the data arrived");

	fill(buf, IO_LEN, 2);
	is_int(pwrite(dev, buf, IO_LEN, IO_LEN), IO_LEN,
	       "O_DIRECT write from the mapping succeeds");
	memset(src, 0, IO_LEN);
	is_int(pread(dev, src, IO_LEN, IO_LEN), IO_LEN, "read it back");
	ok(check(src, IO_LEN, 2), "  the data left intact");

	munmap(buf, IO_LEN);
	ai_free(fd, off);
	free(src);
	close(dev);
	is_int(ai_proc_value("Pending Blocks"), 0, "no block pending after I/O");
}

/* Pipe buffers hold page references taken by vmsplice(): a GUP reference. */
static void test_ref_outlives_free(int fd, uint64_t total)
{
	struct iovec iov;
	unsigned char *buf, out[PG];
	uint64_t off, off2;
	int pfd[2];

	if (!ok(!ai_alloc(fd, 4 * PG, -1, 0, &off), "ALLOC 4 blocks"))
		return;
	buf = ai_map(fd, off, 4 * PG);
	if (!ok(buf != MAP_FAILED, "mmap"))
		return;
	fill(buf, 4 * PG, 3);
	if (pipe(pfd))
		return;
	iov.iov_base = buf;
	iov.iov_len = 4 * PG;
	is_int(vmsplice(pfd[1], &iov, 1, 0), 4 * PG,
	       "vmsplice the buffer into a pipe");
	munmap(buf, 4 * PG);
	ok(!ai_free(fd, off), "FREE while the pipe holds references");
	is_int(ai_proc_value("Pending Blocks"), 4, "4 blocks pending");
	is_int(ai_proc_value("Free Blocks"), total - 4, "not free");
	is_int(ai_proc_value("Allocated") / PG, 4, "counted as allocated");
	is_errno(ai_alloc(fd, total * PG, -1, 0, &off2), ENOMEM,
		 "the whole pool cannot be had meanwhile");
	is_int(read(pfd[0], out, PG), PG, "the pipe still reads");
	ok(check(out, PG, 3), "  the original data, not someone else's");
	close(pfd[0]);
	close(pfd[1]);
	ok(ai_wait_pool_full(3), "references dropped: blocks return");
	is_int(ai_proc_value("Pending Blocks"), 0, "nothing pending");
}

/* A long-term pin, as cudaHostRegister or io_uring fixed buffers take. */
static void test_longterm_pin(int fd, uint64_t total)
{
	struct io_uring_params p = {};
	struct iovec iov;
	uint64_t off;
	void *buf;
	int ring, ret;

	ring = syscall(__NR_io_uring_setup, 4, &p);
	if (ring < 0) {
		skip("no io_uring", "long-term pin through io_uring");
		return;
	}
	if (ai_alloc(fd, 8 * PG, -1, 0, &off))
		return;
	buf = ai_map(fd, off, 8 * PG);
	iov.iov_base = buf;
	iov.iov_len = 8 * PG;
	ret = syscall(__NR_io_uring_register, ring, IORING_REGISTER_BUFFERS,
		      &iov, 1);
	if (ret && errno == EOPNOTSUPP) {
		/* Before 6.3 io_uring refused every file-backed mapping. */
		skip("io_uring refuses file-backed memory on this kernel",
		     "long-term pin through io_uring");
	} else if (ok(!ret, "io_uring fixed buffer (FOLL_LONGTERM pin)")) {
		munmap(buf, 8 * PG);
		ai_free(fd, off);
		is_int(ai_proc_value("Pending Blocks"), 8,
		       "FREE while pinned: 8 blocks pending");
		syscall(__NR_io_uring_register, ring,
			IORING_UNREGISTER_BUFFERS, NULL, 0);
		ok(ai_wait_pool_full(3), "unpinned: blocks return");
		close(ring);
		return;
	}
	munmap(buf, 8 * PG);
	ai_free(fd, off);
	close(ring);
	ok(ai_wait_pool_full(3), "pool full (total %llu)",
	   (unsigned long long)total);
}

/*
 * Unload while a pipe still holds references to freed blocks: the module
 * drops its own references and the last user frees the pages. Unloads the
 * module itself (the case script checks that it is gone).
 */
static void test_unload_with_refs(void)
{
	int fd = ai_open(), pfd[2];
	unsigned char *buf, out[PG];
	struct iovec iov;
	uint64_t off;

	if (ai_alloc(fd, 2 * PG, -1, 0, &off) || pipe(pfd))
		return;
	buf = ai_map(fd, off, 2 * PG);
	fill(buf, 2 * PG, 4);
	iov.iov_base = buf;
	iov.iov_len = 2 * PG;
	is_int(vmsplice(pfd[1], &iov, 1, 0), 2 * PG, "vmsplice 2 blocks");
	is_errno(syscall(SYS_delete_module, "ai_mem", O_NONBLOCK), EAGAIN,
		 "rmmod while mapped: refused");
	munmap(buf, 2 * PG);
	is_errno(syscall(SYS_delete_module, "ai_mem", O_NONBLOCK), EAGAIN,
		 "rmmod while the file is open: refused");
	ai_free(fd, off);
	close(fd);
	is_int(ai_proc_value("Pending Blocks"), 2, "2 blocks pending");
	ok(!syscall(SYS_delete_module, "ai_mem", O_NONBLOCK),
	   "rmmod with blocks still referenced by a pipe");
	is_int(read(pfd[0], out, PG), PG, "the pipe still reads after unload");
	ok(check(out, PG, 4), "  its own data");
	close(pfd[0]);
	close(pfd[1]);
}

int main(void)
{
	int fd = ai_open();
	uint64_t total = ai_info(fd).total_blocks;

	test_o_direct(fd);
	test_ref_outlives_free(fd, total);
	test_longterm_pin(fd, total);
	close(fd);
	test_unload_with_refs();
	return tap_done();
}
