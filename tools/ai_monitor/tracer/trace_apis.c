// SPDX-License-Identifier: GPL-2.0
/*
 * trace_apis.c - what each traced function is: its symbol, its layer, and
 * whether it launches work or waits for it.
 *
 * The symbol is what is looked up in a file's symbol tables; the enum
 * gt_api value (bpf/gpu_tracer.h) is what the BPF side records.
 */
#include "trace_lib.h"

struct gt_api_info {
	const char *name;
	const char *sym;	/* the symbol, where it is not the name */
	unsigned char layer;	/* enum gt_layer */
	bool sync;		/* waits for the GPU instead of launching */
};

#define DRV(n)		{ n, NULL, GT_LAYER_DRIVER, false }
#define DRV_SYNC(n)	{ n, NULL, GT_LAYER_DRIVER, true }
#define RT(n)		{ n, NULL, GT_LAYER_RUNTIME, false }
#define RT_SYNC(n)	{ n, NULL, GT_LAYER_RUNTIME, true }
#define HIP(n)		{ n, NULL, GT_LAYER_HIP, false }
#define HIP_SYNC(n)	{ n, NULL, GT_LAYER_HIP, true }

static const struct gt_api_info apis[GT_API_COUNT] = {
	[GT_LAUNCH_KERNEL]		= DRV("cuLaunchKernel"),
	[GT_LAUNCH_KERNEL_PTSZ]		= DRV("cuLaunchKernel_ptsz"),
	[GT_LAUNCH_KERNEL_EX]		= DRV("cuLaunchKernelEx"),
	[GT_LAUNCH_KERNEL_EX_PTSZ]	= DRV("cuLaunchKernelEx_ptsz"),
	[GT_LAUNCH_COOPERATIVE]		= DRV("cuLaunchCooperativeKernel"),
	[GT_LAUNCH_COOPERATIVE_PTSZ]	= DRV("cuLaunchCooperativeKernel_ptsz"),
	[GT_GRAPH_LAUNCH]		= DRV("cuGraphLaunch"),
	[GT_GRAPH_LAUNCH_PTSZ]		= DRV("cuGraphLaunch_ptsz"),
	[GT_STREAM_SYNC]		= DRV_SYNC("cuStreamSynchronize"),
	[GT_CTX_SYNC]			= DRV_SYNC("cuCtxSynchronize"),
	[GT_EVENT_SYNC]			= DRV_SYNC("cuEventSynchronize"),

	[GT_RT_LAUNCH_KERNEL]		= RT("cudaLaunchKernel"),
	[GT_RT_LAUNCH_KERNEL_PTSZ]	= RT("cudaLaunchKernel_ptsz"),
	[GT_RT_LAUNCH_KERNEL_EXC]	= RT("cudaLaunchKernelExC"),
	[GT_RT_LAUNCH_KERNEL_EXC_PTSZ]	= RT("cudaLaunchKernelExC_ptsz"),
	[GT_RT_LAUNCH_COOPERATIVE]	= RT("cudaLaunchCooperativeKernel"),
	[GT_RT_LAUNCH_COOPERATIVE_PTSZ]	= RT("cudaLaunchCooperativeKernel_ptsz"),
	[GT_RT_GRAPH_LAUNCH]		= RT("cudaGraphLaunch"),
	[GT_RT_GRAPH_LAUNCH_PTSZ]	= RT("cudaGraphLaunch_ptsz"),
	[GT_RT_STREAM_SYNC]		= RT_SYNC("cudaStreamSynchronize"),
	[GT_RT_STREAM_SYNC_PTSZ]	= RT_SYNC("cudaStreamSynchronize_ptsz"),
	[GT_RT_DEVICE_SYNC]		= RT_SYNC("cudaDeviceSynchronize"),
	[GT_RT_EVENT_SYNC]		= RT_SYNC("cudaEventSynchronize"),

	[GT_HIP_LAUNCH_KERNEL]		= HIP("hipLaunchKernel"),
	[GT_HIP_LAUNCH_KERNEL_SPT]	= HIP("hipLaunchKernel_spt"),
	[GT_HIP_EXT_LAUNCH_KERNEL]	= HIP("hipExtLaunchKernel"),
	[GT_HIP_MODULE_LAUNCH_KERNEL]	= HIP("hipModuleLaunchKernel"),
	/* HIP 5.2 declares it without extern "C": exported mangled only. */
	[GT_HIP_EXT_MODULE_LAUNCH_KERNEL] = { "hipExtModuleLaunchKernel",
					      "_Z24hipExtModuleLaunchKernel",
					      GT_LAYER_HIP, false },
	[GT_HIP_LAUNCH_COOPERATIVE]	= HIP("hipLaunchCooperativeKernel"),
	[GT_HIP_LAUNCH_COOPERATIVE_SPT]	= HIP("hipLaunchCooperativeKernel_spt"),
	[GT_HIP_GRAPH_LAUNCH]		= HIP("hipGraphLaunch"),
	[GT_HIP_STREAM_SYNC]		= HIP_SYNC("hipStreamSynchronize"),
	[GT_HIP_STREAM_SYNC_SPT]	= HIP_SYNC("hipStreamSynchronize_spt"),
	[GT_HIP_DEVICE_SYNC]		= HIP_SYNC("hipDeviceSynchronize"),
	[GT_HIP_EVENT_SYNC]		= HIP_SYNC("hipEventSynchronize"),

	[GT_CALIBRATE]			= { "calibration", NULL, GT_LAYERS, false },
};

static const char *const layer_names[GT_LAYERS] = {
	[GT_LAYER_DRIVER]	= "driver",
	[GT_LAYER_RUNTIME]	= "runtime",
	[GT_LAYER_HIP]		= "hip",
};

const char *gt_api_name(unsigned int api)
{
	return api < GT_API_COUNT ? apis[api].name : "?";
}

const char *gt_api_symbol(unsigned int api)
{
	return api < GT_API_COUNT && apis[api].sym ? apis[api].sym : gt_api_name(api);
}

bool gt_api_is_sync(unsigned int api)
{
	return api < GT_CALIBRATE && apis[api].sync;
}

bool gt_api_is_launch(unsigned int api)
{
	return api < GT_CALIBRATE && !apis[api].sync;
}

unsigned int gt_api_layer(unsigned int api)
{
	return api < GT_API_COUNT ? apis[api].layer : GT_LAYERS;
}

const char *gt_layer_name(unsigned int layer)
{
	return layer < GT_LAYERS ? layer_names[layer] : "?";
}
