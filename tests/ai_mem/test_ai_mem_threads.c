// SPDX-License-Identifier: GPL-2.0
/*
 * 4 threads hammer ALLOC/mmap/touch/FREE/munmap (two share one open file,
 * two have their own) while a fifth reads /proc/ai_memory and checks
 * free + allocated == total in every snapshot.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "ai_mem_test.h"

#define NR_WORKERS	4

static double seconds = 3;
static atomic_int stop;
static atomic_long ops, errors;
static int shared_fd;

static void *worker(void *arg)
{
	long id = (long)arg;
	int fd = id < 2 ? shared_fd : ai_open();
	unsigned int seed = id * 7919 + 1;

	while (!atomic_load(&stop)) {
		size_t len = (rand_r(&seed) % 64 + 1) * PG;
		uint64_t off;
		char *p;

		if (ai_alloc(fd, len, -1, 0, &off)) {
			if (errno != ENOMEM)
				atomic_fetch_add(&errors, 1);
			continue;
		}
		p = ai_map(fd, off, len);
		if (p == MAP_FAILED) {
			atomic_fetch_add(&errors, 1);
			ai_free(fd, off);
			continue;
		}
		if (p[0] || p[len - 1])
			atomic_fetch_add(&errors, 1);	/* not zeroed */
		memset(p, (int)id + 1, len);
		/* Half the time FREE while still mapped. */
		if (rand_r(&seed) & 1) {
			if (ai_free(fd, off) || munmap(p, len))
				atomic_fetch_add(&errors, 1);
		} else {
			if (munmap(p, len) || ai_free(fd, off))
				atomic_fetch_add(&errors, 1);
		}
		atomic_fetch_add(&ops, 1);
	}
	if (id >= 2)
		close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t th[NR_WORKERS];
	long long total, free, alloc;
	long snapshots = 0, bad = 0, i;
	double end;

	if (argc > 1)
		seconds = atof(argv[1]);
	shared_fd = ai_open();
	total = ai_proc_value("Total Blocks");
	for (i = 0; i < NR_WORKERS; i++)
		pthread_create(&th[i], NULL, worker, (void *)i);
	end = ai_now() + seconds;
	while (ai_now() < end) {
		char line[256];
		FILE *f = fopen(AI_PROC, "r");

		free = alloc = -1;
		while (f && fgets(line, sizeof(line), f)) {
			sscanf(line, "Free Blocks: %lld", &free);
			sscanf(line, "Allocated: %lld bytes", &alloc);
		}
		if (f)
			fclose(f);
		snapshots++;
		if (free < 0 || alloc < 0 || free + alloc / (long long)PG != total) {
			if (!bad++)
				diag("snapshot: free %lld + allocated %lld B != %lld",
				     free, alloc, total);
		}
		usleep(10000);
	}
	atomic_store(&stop, 1);
	for (i = 0; i < NR_WORKERS; i++)
		pthread_join(th[i], NULL);
	close(shared_fd);

	diag("%ld alloc/map/free cycles, %ld /proc snapshots", atomic_load(&ops),
	     snapshots);
	ok(atomic_load(&ops) > 100, "workers made progress");
	is_int(atomic_load(&errors), 0, "no unexpected error, every block zeroed");
	is_int(bad, 0, "free + allocated == total in all %ld snapshots",
	       snapshots);
	ok(ai_wait_pool_full(5), "pool full at the end");
	return tap_done();
}
