// SPDX-License-Identifier: GPL-2.0
/*
 * uapi_dump - the C side of tests/python/test_ai_native.py: every structure
 * size, field offset and ioctl number of the two uapi headers, one
 * "name value" line each, for the Python binding to be checked against.
 */
#include <stddef.h>
#include <stdio.h>
#include <linux/ai_mem.h>
#include <linux/ai_sched.h>

#define SZ(s)		printf("sizeof %s %zu\n", #s, sizeof(struct s))
#define OFF(s, f)	printf("offsetof %s.%s %zu\n", #s, #f, offsetof(struct s, f))
#define NUM(n)		printf("value %s %llu\n", #n, (unsigned long long)(n))

int main(void)
{
	SZ(ai_mem_alloc);
	OFF(ai_mem_alloc, length); OFF(ai_mem_alloc, node); OFF(ai_mem_alloc, offset);
	SZ(ai_mem_free);
	OFF(ai_mem_free, offset);
	SZ(ai_mem_info);
	OFF(ai_mem_info, pool_bytes); OFF(ai_mem_info, limit_blocks); OFF(ai_mem_info, nr_nodes);
	SZ(ai_mem_export);
	OFF(ai_mem_export, offset); OFF(ai_mem_export, start); OFF(ai_mem_export, length);
	OFF(ai_mem_export, fd); OFF(ai_mem_export, nr_segments);
	SZ(ai_sched_register);
	OFF(ai_sched_register, pid); OFF(ai_sched_register, nice); OFF(ai_sched_register, gpu);
	OFF(ai_sched_register, pidfd);
	SZ(ai_sched_unregister);
	OFF(ai_sched_unregister, pid);
	SZ(ai_sched_gpu_util);
	OFF(ai_sched_gpu_util, gpu); OFF(ai_sched_gpu_util, util);
	SZ(ai_sched_query);
	OFF(ai_sched_query, pid); OFF(ai_sched_query, gpu); OFF(ai_sched_query, boost_nice);
	OFF(ai_sched_query, own_nice); OFF(ai_sched_query, cur_nice);
	OFF(ai_sched_query, gpu_state); OFF(ai_sched_query, boosted);
	OFF(ai_sched_query, reg_flags); OFF(ai_sched_query, threads);
	OFF(ai_sched_query, boosted_threads); OFF(ai_sched_query, gpu_util);
	NUM(AI_MEM_IOC_ALLOC); NUM(AI_MEM_IOC_FREE); NUM(AI_MEM_IOC_INFO);
	NUM(AI_MEM_IOC_EXPORT); NUM(AI_MEM_EXPORT_CLOEXEC); NUM(AI_MEM_EXPORT_RDWR);
	NUM(AI_MEM_NODE_ANY + 0x100000000ULL); NUM(AI_MEM_ALLOC_STRICT_NODE);
	NUM(AI_MEM_NO_LIMIT);
	NUM(AI_SCHED_IOC_REGISTER); NUM(AI_SCHED_IOC_UNREGISTER);
	NUM(AI_SCHED_IOC_SET_GPU_UTIL); NUM(AI_SCHED_IOC_QUERY);
	NUM(AI_SCHED_REG_PERSIST); NUM(AI_SCHED_REG_PIDFD); NUM(AI_SCHED_QUERY_OWNED);
	NUM(AI_SCHED_UTIL_NONE);
	return 0;
}
