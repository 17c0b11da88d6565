/* SPDX-License-Identifier: GPL-2.0 */
/* ai_monitor: one tool, one subcommand per file. */
#ifndef AI_MONITOR_H
#define AI_MONITOR_H

/* Exit status for a bad command line, as for most Unix tools. */
#define EXIT_USAGE 2

int cmd_dashboard(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_agent(int argc, char **argv);

#endif /* AI_MONITOR_H */
