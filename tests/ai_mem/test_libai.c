// SPDX-License-Identifier: GPL-2.0
/*
 * libai (linked as a shared library): ai_alloc_pinned() returns zeroed,
 * mapped, page-aligned memory; errors come back as NULL + errno; a dma-buf
 * of a buffer outlives ai_free_pinned(); 4 threads allocate and free
 * concurrently; everything returns to the pool.
 */
#include <pthread.h>
#include <stdint.h>

#include "libai.h"
#include "ai_mem_test.h"

static int thread_errors;

static void *churn(void *arg)
{
	unsigned int seed = (unsigned int)(uintptr_t)arg;
	void *live[16] = {};
	int i, k;

	for (i = 0; i < 400; i++) {
		k = rand_r(&seed) % 16;
		if (live[k]) {
			ai_free_pinned(live[k]);
			live[k] = NULL;
		} else {
			size_t len = (rand_r(&seed) % 8 + 1) * 3000;

			live[k] = ai_alloc_pinned(len);
			if (!live[k] || ((char *)live[k])[len - 1])
				__atomic_fetch_add(&thread_errors, 1,
						   __ATOMIC_RELAXED);
			else
				memset(live[k], 1, len);
		}
	}
	for (k = 0; k < 16; k++)
		ai_free_pinned(live[k]);
	return NULL;
}

int main(void)
{
	struct ai_mem_info info;
	pthread_t th[4];
	char *p, *q;
	long i;
	int d;

	p = ai_alloc_pinned(10000);
	ok(p && !((uintptr_t)p % 4096), "ai_alloc_pinned(10000): page-aligned");
	ok(p && !p[0] && !p[9999], "  zeroed");
	ok(!ai_mem_stats(&info) && info.file_blocks == 3,
	   "ai_mem_stats: 3 blocks owned");
	ai_free_pinned(p);
	ok(!ai_mem_stats(&info) && info.file_blocks == 0, "freed");

	errno = 0;
	ok(!ai_alloc_pinned(0) && errno == EINVAL, "size 0: NULL, EINVAL");
	errno = 0;
	ok(!ai_alloc_pinned((size_t)-1) && errno == EINVAL,
	   "size SIZE_MAX: NULL, EINVAL");
	errno = 0;
	ok(!ai_alloc_pinned(info.pool_bytes + 4096) && errno == EINVAL,
	   "larger than the pool: NULL, EINVAL");
	errno = 0;
	ok(!ai_alloc_pinned_node(4096, 63, 0) && errno == EINVAL,
	   "offline node: NULL, EINVAL");
	p = ai_alloc_pinned_node(4096, 0, AI_MEM_ALLOC_STRICT_NODE);
	ok(p != NULL, "ai_alloc_pinned_node(node 0, strict)");
	ai_free_pinned(p);
	errno = 0;
	ai_free_pinned(&info);
	ok(errno == EINVAL, "ai_free_pinned(foreign pointer): EINVAL, no crash");
	ai_free_pinned(NULL);

	/* A dma-buf of a libai buffer outlives ai_free_pinned(). */
	p = ai_alloc_pinned(1 << 20);
	if (p)
		memset(p, 0x3c, 1 << 20);
	d = ai_export_dmabuf(p, 4096, 8192, AI_MEM_EXPORT_RDWR | AI_MEM_EXPORT_CLOEXEC);
	ok(d >= 0 && lseek(d, 0, SEEK_END) == 8192,
	   "ai_export_dmabuf(p, 4096, 8192): an 8 KiB dma-buf");
	ai_free_pinned(p);
	q = d >= 0 ? mmap(NULL, 8192, PROT_READ, MAP_SHARED, d, 0) : MAP_FAILED;
	ok(q != MAP_FAILED && q[0] == 0x3c && q[8191] == 0x3c,
	   "  after ai_free_pinned() its mapping reads the buffer's bytes");
	ok(!ai_mem_stats(&info) && info.user_blocks == 256,
	   "  and the whole buffer's 256 blocks stay charged (one descriptor)");
	if (q != MAP_FAILED)
		munmap(q, 8192);
	close(d);
	ok(!ai_mem_stats(&info) && info.free_blocks == info.total_blocks,
	   "  until it is closed");
	errno = 0;
	ok(ai_export_dmabuf(p, 0, 0, 0) == -1 && errno == EINVAL,
	   "ai_export_dmabuf() of a freed buffer: EINVAL");
	p = ai_alloc_pinned(4096);
	errno = 0;
	ok(ai_export_dmabuf(p, 4096, 0, 0) == -1 && errno == EINVAL,
	   "  of a range past its end: EINVAL");
	errno = 0;
	ok(ai_export_dmabuf(p + 1, 0, 0, 0) == -1 && errno == EINVAL,
	   "  of an address inside it: EINVAL");
	ai_free_pinned(p);

	for (i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, churn, (void *)(i + 1));
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	is_int(thread_errors, 0, "4 threads x 400 alloc/free: all zeroed");
	ok(!ai_mem_stats(&info) && info.file_blocks == 0 &&
	   info.free_blocks == info.total_blocks, "pool full afterwards");
	return tap_done();
}
