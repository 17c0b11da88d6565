// SPDX-License-Identifier: GPL-2.0
/*
 * ai_mem allocations as dma-bufs (AI_MEM_IOC_EXPORT, AI_MEM_IOC_BUF_INFO):
 * the ABI's errors, segments counted against the physical addresses in
 * /proc/self/pagemap, bytes through both mappings, access flags, the
 * dma-buf outliving FREE, its owner's close and its owner's death (fd
 * passed over a unix socket), zeroing after a write through the dma-buf
 * only, a real importer (vgem, through PRIME) with its fences, and the
 * module held while a dma-buf lives. Run as root in the VM on a fresh
 * pool of at least 128 MiB (tests/cases/19-ai_mem-dmabuf.sh); --importer
 * runs the last two only.
 */
#include <dirent.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/dma-buf.h>

#include "ai_mem_test.h"
#include "drm_vgem.h"
#include "pagemap.h"

#define MIB		(1024UL * 1024)

static int ai_export(int fd, uint64_t off, uint64_t start, uint64_t len,
		     uint32_t flags, uint32_t *segs)
{
	struct ai_mem_export e = {
		.size = sizeof(e), .flags = flags, .offset = off,
		.start = start, .length = len, .fd = -1,
	};

	if (ioctl(fd, AI_MEM_IOC_EXPORT, &e))
		return -1;
	if (segs)
		*segs = e.nr_segments;
	return e.fd;
}

static int ai_buf_info(int fd, uint64_t off, struct ai_mem_buf_info *bi)
{
	memset(bi, 0xff, sizeof(*bi));
	bi->size = sizeof(*bi);
	bi->flags = 0;
	bi->offset = off;
	return ioctl(fd, AI_MEM_IOC_BUF_INFO, bi);
}

static void fill(unsigned char *p, size_t len, unsigned char seed)
{
	size_t i;

	for (i = 0; i < len; i += 512)
		p[i] = (unsigned char)(seed + i / 512);
}

static int same(const unsigned char *p, size_t len, unsigned char seed)
{
	size_t i;

	for (i = 0; i < len; i += 512)
		if (p[i] != (unsigned char)(seed + i / 512))
			return 0;
	return 1;
}

/* @len is a multiple of 8: read a word at a time (TCG is slow). */
static int all_zero(const unsigned char *p, size_t len)
{
	const uint64_t *w = (const uint64_t *)p;
	size_t i;

	for (i = 0; i < len / 8; i++)
		if (w[i])
			return 0;
	return 1;
}

static void test_errors(int fd)
{
	struct ai_mem_export e = { .size = sizeof(e) };
	struct ai_mem_buf_info bi;
	uint64_t off;
	int ro;

	if (!ok(!ai_alloc(fd, 16 * PG, -1, 0, &off), "ALLOC 16 blocks"))
		return;
	is_errno(ai_export(fd, off + PG, 0, 0, 0, NULL), EINVAL,
		 "EXPORT of an offset inside an allocation: EINVAL");
	is_errno(ai_export(fd, off + 64 * PG, 0, 0, 0, NULL), EINVAL,
		 "EXPORT of an offset nothing has: EINVAL");
	is_errno(ai_export(fd, off, 0, 0, 1u << 7, NULL), EINVAL,
		 "EXPORT with an unknown flag: EINVAL");
	is_errno(ai_export(fd, off, 100, 0, 0, NULL), EINVAL,
		 "EXPORT from an unaligned start: EINVAL");
	is_errno(ai_export(fd, off, 0, PG + 1, 0, NULL), EINVAL,
		 "EXPORT of an unaligned length: EINVAL");
	is_errno(ai_export(fd, off, 16 * PG, 0, 0, NULL), EINVAL,
		 "EXPORT starting at the end: EINVAL");
	is_errno(ai_export(fd, off, 8 * PG, 9 * PG, 0, NULL), EINVAL,
		 "EXPORT past the end: EINVAL");
	is_errno(ai_export(fd, off, ~0ULL & ~(PG - 1), PG, 0, NULL), EINVAL,
		 "EXPORT with start + length overflowing: EINVAL");
	e.size = 8;
	is_errno(ioctl(fd, AI_MEM_IOC_EXPORT, &e), EINVAL,
		 "EXPORT with a size under the first version: EINVAL");
	is_errno(ioctl(fd, AI_MEM_IOC_EXPORT, (void *)8), EFAULT,
		 "EXPORT from a bad pointer: EFAULT");
	ro = open(AI_DEV, O_RDONLY);
	is_errno(ai_export(ro, off, 0, 0, 0, NULL), EBADF,
		 "EXPORT on a read-only file: EBADF");
	ok(!ai_buf_info(fd, off, &bi), "BUF_INFO");
	ok(bi.length == 16 * PG && bi.nr_exports == 0 && bi.nr_segments >= 1 &&
	   bi.nr_segments <= 16 && bi.size == sizeof(bi),
	   "  16 blocks, no export, %u segment(s)", bi.nr_segments);
	is_errno(ai_buf_info(fd, off + PG, &bi), EINVAL,
		 "BUF_INFO inside an allocation: EINVAL");
	is_errno(ai_buf_info(ro, off, &bi), EINVAL,
		 "BUF_INFO on a read-only file: allowed (EINVAL: not its allocation, not EBADF)");
	close(ro);
	ok(!ai_free(fd, off), "FREE");
	is_errno(ai_export(fd, off, 0, 0, 0, NULL), EINVAL,
		 "EXPORT after FREE: EINVAL");
	is_errno(ai_buf_info(fd, off, &bi), EINVAL, "BUF_INFO after FREE: EINVAL");
}

/* A fresh pool gives a large allocation in whole 2 MiB runs. */
static void test_segments(int fd, int nr_nodes)
{
	long long runs0 = ai_proc_value("Free 2M Runs"), runs1;
	size_t len = 64 * MIB;
	struct ai_mem_buf_info bi;
	uint64_t small, off;
	uint32_t segs = 0;
	long pm;
	char *p;
	int d;

	ok(runs0 >= 48, "a fresh 128 MiB pool has whole 2 MiB runs (%lld)",
	   runs0);
	if (!ok(!ai_alloc(fd, PG, -1, 0, &small) &&
		!ai_alloc(fd, len, -1, 0, &off), "ALLOC 4 KiB, then 64 MiB"))
		return;
	runs1 = ai_proc_value("Free 2M Runs");
	ok(runs0 - runs1 >= 32 && runs0 - runs1 <= 33,
	   "the 64 MiB took 32 runs, the 4 KiB at most one (%lld -> %lld)",
	   runs0, runs1);
	ok(!ai_buf_info(fd, off, &bi), "BUF_INFO of the 64 MiB");
	ok(bi.nr_segments >= 1 && bi.nr_segments <= 32,
	   "  %u segments (<= 32)", bi.nr_segments);
	p = ai_map(fd, off, len);
	if (!ok(p != MAP_FAILED, "mmap 64 MiB"))
		return;
	memset(p, 1, len);
	pm = pagemap_segments(p, len);
	is_int(pm, bi.nr_segments,
	       "  /proc/self/pagemap shows as many contiguous runs");
	d = ai_export(fd, off, 0, 0, AI_MEM_EXPORT_CLOEXEC, &segs);
	ok(d >= 0 && segs == bi.nr_segments,
	   "EXPORT all of it: %u segments, as BUF_INFO said", segs);
	is_int(lseek(d, 0, SEEK_END), len, "  lseek(SEEK_END) on the fd: its size");
	close(d);
	munmap(p, len);
	ai_free(fd, off);
	ai_free(fd, small);
	/*
	 * Mapped, so dirty: the runs come back whole and are zeroed whole
	 * (each node's zero worker holds one at a time off the stacks).
	 */
	runs0 = ai_proc_value("Free 2M Runs");
	ok(runs0 >= runs1 + 32 - nr_nodes, "FREE gives the 32 runs back whole (%lld -> %lld)",
	   runs1, runs0);
	/*
	 * 32 MiB fits in one node's runs: 16 of them. (64 MiB would also
	 * need the loose pages of the run the 4 KiB broke, and those come
	 * back from the zero worker in 32-page batches, not in one piece.)
	 */
	ok(!ai_alloc(fd, len / 2, -1, 0, &off) && !ai_buf_info(fd, off, &bi),
	   "ALLOC 32 MiB after the FREE");
	ok(bi.nr_segments <= 16, "  %u segments (<= 16): runs again",
	   bi.nr_segments);
	p = ai_map(fd, off, len / 2);
	ok(p != MAP_FAILED && all_zero((unsigned char *)p, len / 2),
	   "  and every byte of it reads zero");
	if (p != MAP_FAILED)
		munmap(p, len / 2);
	ai_free(fd, off);
}

/* A range, read and written through both mappings; the access flags. */
static void test_range(int fd)
{
	unsigned char *p, *q;
	struct stat st;
	uint64_t off;
	int d, r;

	if (!ok(!ai_alloc(fd, 32 * PG, -1, 0, &off), "ALLOC 32 blocks"))
		return;
	p = ai_map(fd, off, 32 * PG);
	d = ai_export(fd, off, 8 * PG, 4 * PG, AI_MEM_EXPORT_RDWR, NULL);
	if (!ok(p != MAP_FAILED && d >= 0, "EXPORT blocks 8..11 read-write"))
		return;
	is_int(lseek(d, 0, SEEK_END), 4 * PG, "  the dma-buf is 4 blocks");
	ok(!(fcntl(d, F_GETFD) & FD_CLOEXEC), "  no close-on-exec unless asked");
	ok(!fstat(d, &st), "  fstat works");
	q = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, d, 0);
	if (!ok(q != MAP_FAILED, "mmap the dma-buf read-write"))
		return;
	fill(p + 8 * PG, 4 * PG, 7);
	ok(same(q, 4 * PG, 7), "bytes written through /dev/ai_mem read back through the dma-buf");
	fill(q, 4 * PG, 99);
	ok(same(p + 8 * PG, 4 * PG, 99), "and the other way round");
	is_errno(mmap(NULL, 5 * PG, PROT_READ, MAP_SHARED, d, 0), EINVAL,
		 "mmap past the dma-buf's end: EINVAL");
	is_errno(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, d, 0), EINVAL,
		 "MAP_PRIVATE: EINVAL");
	is_errno(mmap(NULL, PG, PROT_READ | PROT_EXEC, MAP_SHARED, d, 0), EPERM,
		 "PROT_EXEC: EPERM");
	is_errno(mprotect(q, PG, PROT_READ | PROT_EXEC), EACCES,
		 "mprotect(PROT_EXEC) later: EACCES");
	{
		struct dma_buf_sync s = {
			.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW,
		};

		ok(!ioctl(d, DMA_BUF_IOCTL_SYNC, &s), "DMA_BUF_IOCTL_SYNC start");
		s.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW;
		ok(!ioctl(d, DMA_BUF_IOCTL_SYNC, &s), "DMA_BUF_IOCTL_SYNC end");
	}
	munmap(q, 4 * PG);
	close(d);

	r = ai_export(fd, off, 0, 0, AI_MEM_EXPORT_CLOEXEC, NULL);
	ok(r >= 0 && (fcntl(r, F_GETFD) & FD_CLOEXEC),
	   "EXPORT read-only with AI_MEM_EXPORT_CLOEXEC: close-on-exec");
	is_errno(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, r, 0),
		 EACCES, "a read-only dma-buf cannot be mapped for writing: EACCES");
	q = mmap(NULL, 32 * PG, PROT_READ, MAP_SHARED, r, 0);
	ok(q != MAP_FAILED && same(q + 8 * PG, 4 * PG, 99),
	   "  but it reads the same bytes");
	if (q != MAP_FAILED) {
		is_errno(mprotect(q, PG, PROT_READ | PROT_WRITE), EACCES,
			 "  and mprotect(PROT_WRITE) is refused: EACCES");
		munmap(q, 32 * PG);
	}
	close(r);
	munmap(p, 32 * PG);
	ai_free(fd, off);
}

/* FREE and close do not end a dma-buf; its last reference does. */
static void test_lifetime(int fd)
{
	struct ai_mem_info info = ai_info(fd);
	struct ai_mem_buf_info bi;
	size_t len = 4 * MIB;
	unsigned char *p, *q;
	uint64_t off;
	int d, fd2;

	fd2 = ai_open();
	if (!ok(!ai_alloc(fd2, len, -1, 0, &off), "ALLOC 4 MiB on a second file"))
		return;
	p = ai_map(fd2, off, len);
	fill(p, len, 3);
	d = ai_export(fd2, off, 0, 0, AI_MEM_EXPORT_RDWR, NULL);
	ok(d >= 0 && !ai_buf_info(fd2, off, &bi) && bi.nr_exports == 1,
	   "EXPORT: BUF_INFO counts 1 export");
	is_int(ai_proc_value("Exported Blocks"), len / PG,
	       "/proc/ai_memory: Exported Blocks");
	munmap(p, len);
	ok(!ai_free(fd2, off), "FREE the allocation while exported");
	is_int(ai_info(fd).free_blocks, info.free_blocks - len / PG,
	       "  its blocks stay out of the pool");
	is_int(ai_info(fd).user_blocks, len / PG,
	       "  and charged to their user");
	close(fd2);
	q = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, d, 0);
	ok(q != MAP_FAILED && same(q, len, 3),
	   "after FREE and close of the owner's file, the dma-buf still reads the data");
	close(d);
	is_int(ai_info(fd).free_blocks, info.free_blocks - len / PG,
	       "a mapping of it still holds the blocks after close(fd)");
	if (q != MAP_FAILED)
		munmap(q, len);
	is_int(ai_info(fd).free_blocks, info.free_blocks,
	       "munmap of the last reference: every block is back");
	is_int(ai_info(fd).user_blocks, 0, "  and uncharged");
	is_int(ai_proc_value("Exported Blocks"), 0, "  Exported Blocks: 0");
}

/* Written only through the dma-buf, never through /dev/ai_mem: zeroed too. */
static void test_zero_after_export(int fd)
{
	struct ai_mem_info info = ai_info(fd);
	size_t len = info.free_blocks * PG;
	unsigned char *q;
	uint64_t off;
	int d;

	if (!ok(!ai_alloc(fd, len, -1, 0, &off), "ALLOC the whole free pool"))
		return;
	d = ai_export(fd, off, 0, 0, AI_MEM_EXPORT_RDWR, NULL);
	q = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, d, 0);
	if (!ok(d >= 0 && q != MAP_FAILED, "EXPORT it, map the dma-buf only"))
		return;
	memset(q, 0x5a, len);
	munmap(q, len);
	close(d);
	ai_free(fd, off);
	if (!ok(!ai_alloc(fd, len, -1, 0, &off), "ALLOC it all again at once"))
		return;
	q = ai_map(fd, off, len);
	ok(q != MAP_FAILED && all_zero(q, len),
	   "every byte reads zero: a write through the dma-buf dirtied the blocks");
	munmap(q, len);
	ai_free(fd, off);
}

static int send_fd(int sock, int fd)
{
	char c = 'x', ctl[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { &c, 1 };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl, .msg_controllen = sizeof(ctl),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &m, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char c, ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &c, 1 };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl, .msg_controllen = sizeof(ctl),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &m, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&m);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/* The owner exports, sends the fd, and dies; the receiver keeps the memory. */
static void test_socket(int fd)
{
	struct ai_mem_info info = ai_info(fd);
	size_t len = 2 * MIB;
	unsigned char *q;
	int sv[2], d;
	pid_t pid;

	if (!ok(!socketpair(AF_UNIX, SOCK_STREAM, 0, sv), "socketpair"))
		return;
	pid = fork();
	if (!pid) {
		int f = open(AI_DEV, O_RDWR), e;
		uint64_t off;
		unsigned char *p;

		if (f < 0 || ai_alloc(f, len, -1, 0, &off))
			_exit(1);
		p = ai_map(f, off, len);
		if (p == MAP_FAILED)
			_exit(2);
		fill(p, len, 42);
		e = ai_export(f, off, 0, 0, AI_MEM_EXPORT_RDWR, NULL);
		if (e < 0 || send_fd(sv[1], e))
			_exit(3);
		_exit(0);	/* no FREE, no close: the exit does it all */
	}
	close(sv[1]);
	d = recv_fd(sv[0]);
	close(sv[0]);
	is_int(reap(pid), 0, "the owner allocated, exported, sent the fd and exited");
	q = d >= 0 ? mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, d, 0) :
		     MAP_FAILED;
	ok(q != MAP_FAILED && same(q, len, 42),
	   "the receiver maps the fd after the owner's death: the owner's data");
	is_int(ai_info(fd).free_blocks, info.free_blocks - len / PG,
	       "  the blocks are still out");
	if (q != MAP_FAILED)
		munmap(q, len);
	close(d);
	is_int(ai_info(fd).free_blocks, info.free_blocks,
	       "the receiver's close returns every block");
}

/* The first DRM device whose driver is vgem, opened, or -1. */
static int open_vgem(void)
{
	char name[32], path[300];
	struct dirent *de;
	DIR *dir = opendir("/dev/dri");
	int fd = -1;

	while (dir && (de = readdir(dir))) {
		struct t_drm_version v = { .name = name, .name_len = sizeof(name) - 1 };

		if (strncmp(de->d_name, "card", 4))
			continue;
		snprintf(path, sizeof(path), "/dev/dri/%s", de->d_name);
		fd = open(path, O_RDWR | O_CLOEXEC);
		memset(name, 0, sizeof(name));
		if (fd >= 0 && !ioctl(fd, T_DRM_IOCTL_VERSION, &v) &&
		    !strcmp(name, "vgem"))
			break;
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	if (dir)
		closedir(dir);
	return fd;
}

/* A line of @path that contains @needle? */
static int file_has(const char *path, const char *needle)
{
	char line[512];
	FILE *f = fopen(path, "r");
	int found = 0;

	while (f && !found && fgets(line, sizeof(line), f))
		found = !!strstr(line, needle);
	if (f)
		fclose(f);
	return found;
}

/* vgem imports the fd through PRIME: its fences gate our CPU access. */
static void test_vgem(int fd)
{
	struct ai_mem_info info = ai_info(fd);
	struct t_drm_prime_handle ph = { 0 };
	struct t_vgem_fence_attach fa = { 0 };
	struct t_vgem_fence_signal fs = { 0 };
	struct t_drm_gem_close gc = { 0 };
	/* 256 segments of vgem's 64 KiB: a chained scatterlist. */
	size_t len = 16 * MIB;
	struct stat a, b;
	unsigned char *p, *q;
	struct pollfd pfd;
	char fdinfo[64];
	uint64_t off;
	int v, d, back, ret;

	v = open_vgem();
	if (v < 0) {
		skip("no vgem DRM device", "vgem imports the dma-buf");
		return;
	}
	if (!ok(!ai_alloc(fd, len, -1, 0, &off), "ALLOC 16 MiB"))
		return;
	p = ai_map(fd, off, len);
	fill(p, len, 11);
	d = ai_export(fd, off, 0, 0, AI_MEM_EXPORT_RDWR, NULL);
	snprintf(fdinfo, sizeof(fdinfo), "/proc/self/fdinfo/%d", d);
	ok(file_has(fdinfo, "ai_mem"), "fdinfo of the fd names the exporter ai_mem");
	ph.fd = d;
	ret = ioctl(v, T_DRM_IOCTL_PRIME_FD_TO_HANDLE, &ph);
	if (!ok(!ret && ph.handle, "vgem: PRIME_FD_TO_HANDLE imports it (handle %u)",
		ph.handle))
		goto out;
	if (access("/sys/kernel/debug/dma_buf/bufinfo", R_OK))
		skip("no debugfs", "bufinfo lists vgem as attached");
	else
		ok(file_has("/sys/kernel/debug/dma_buf/bufinfo", "vgem"),
		   "debugfs bufinfo lists vgem attached to it");
	ph.fd = -1;
	ph.flags = O_CLOEXEC | O_RDWR;
	ok(!ioctl(v, T_DRM_IOCTL_PRIME_HANDLE_TO_FD, &ph) && ph.fd >= 0,
	   "vgem: PRIME_HANDLE_TO_FD gives it back");
	back = ph.fd;
	ok(!fstat(d, &a) && !fstat(back, &b) && a.st_ino == b.st_ino,
	   "  as the same dma-buf (the importer holds ours)");
	q = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, back, 0);
	ok(q != MAP_FAILED && same(q, len, 11),
	   "  its mapping reads what /dev/ai_mem's wrote");
	if (q != MAP_FAILED) {
		fill(q + PG, PG, 77);
		ok(same(p + PG, PG, 77), "  and /dev/ai_mem's reads what it wrote");
		munmap(q, len);
	}
	close(back);

	/* A write fence from the importer: the CPU must wait for it. */
	fa.handle = ph.handle;
	fa.flags = T_VGEM_FENCE_WRITE;
	if (ok(!ioctl(v, T_DRM_IOCTL_VGEM_FENCE_ATTACH, &fa),
	       "vgem attaches a write fence")) {
		pfd = (struct pollfd){ .fd = d, .events = POLLIN };
		is_int(poll(&pfd, 1, 0), 0, "  poll(POLLIN) on our fd: not ready");
		fs.fence = fa.out_fence;
		ok(!ioctl(v, T_DRM_IOCTL_VGEM_FENCE_SIGNAL, &fs), "  vgem signals it");
		ok(poll(&pfd, 1, 1000) == 1 && (pfd.revents & POLLIN),
		   "  poll(POLLIN): ready");
	}

	/* The importer alone keeps the blocks. */
	munmap(p, len);
	ai_free(fd, off);
	close(d);
	is_int(ai_info(fd).free_blocks, info.free_blocks - len / PG,
	       "FREE and close: the import still holds the blocks");
	gc.handle = ph.handle;
	ok(!ioctl(v, T_DRM_IOCTL_GEM_CLOSE, &gc), "vgem: GEM_CLOSE");
	is_int(ai_info(fd).free_blocks, info.free_blocks,
	       "  every block is back");
	close(v);
	return;
out:
	munmap(p, len);
	close(d);
	ai_free(fd, off);
	close(v);
}

/* The module stays while a dma-buf lives (dma_buf_export's reference). */
static void test_module_held(int fd)
{
	uint64_t off;
	int d, err;
	long ret;

	if (!ok(!ai_alloc(fd, 16 * PG, -1, 0, &off), "ALLOC 16 blocks"))
		return;
	d = ai_export(fd, off, 0, 0, 0, NULL);
	close(fd);
	ok(d >= 0, "EXPORT, then close /dev/ai_mem");
	errno = 0;
	ret = syscall(SYS_delete_module, "ai_mem", O_NONBLOCK);
	err = errno;
	ok(ret == -1 && (err == EWOULDBLOCK || err == EBUSY),
	   "rmmod ai_mem while the dma-buf lives: refused (%s)", strerror(err));
	close(d);
	ok(ai_wait_pool_full(5), "closing the dma-buf returns its blocks");
}

/*
 * --importer: only what an importer drives (attach, map, fences, detach)
 * and the module reference, on any pool: the debug kernel's run, where
 * lockdep and KASAN watch those paths and the rest would take minutes.
 */
int main(int argc, char **argv)
{
	int importer = argc > 1 && !strcmp(argv[1], "--importer");
	struct ai_mem_info info;
	int fd = ai_open();

	info = ai_info(fd);
	if (!importer && info.total_blocks * PG < 128 * MIB) {
		printf("Bail out! the pool must be at least 128 MiB\n");
		return 1;
	}
	if (!importer) {
		test_errors(fd);
		test_segments(fd, info.nr_nodes);
		test_range(fd);
		test_lifetime(fd);
		test_zero_after_export(fd);
		test_socket(fd);
	}
	test_vgem(fd);
	test_module_held(fd);
	return tap_done();
}
