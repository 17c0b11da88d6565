// SPDX-License-Identifier: GPL-2.0
/*
 * ai_monitor - observe and steer the AI inference extensions.
 *
 * Each subcommand lives in its own file; this one only dispatches.
 */
#include <stdio.h>
#include <string.h>

#include "ai_monitor.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "dashboard", cmd_dashboard, "live view of GPUs, launch latency, memory pool and scheduler" },
	{ "status",    cmd_status,    "one-shot summary of /proc/ai_scheduler, /proc/ai_memory and the GPUs" },
	{ "trace",     cmd_trace,     "CPU-side CUDA launch latency histograms per process (eBPF uprobes)" },
	{ "agent",     cmd_agent,     "feed GPU utilisation and GPU-using processes to ai_sched" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: ai_monitor <command> [options]\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\n'ai_monitor <command> --help' describes a command's options.\n");
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);

	fprintf(stderr, "ai_monitor: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
