/* SPDX-License-Identifier: GPL-2.0 */
/* Just enough JSON output for `ai_monitor status --json`. */
#ifndef AI_MONITOR_JSON_H
#define AI_MONITOR_JSON_H

#include <stdio.h>

/* A JSON string literal: quotes, backslashes and control bytes escaped. */
void json_str(FILE *f, const char *s);
/* A number, or null when v < 0 (our "unknown"). */
void json_num(FILE *f, long long v);

#endif /* AI_MONITOR_JSON_H */
