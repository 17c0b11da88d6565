// SPDX-License-Identifier: GPL-2.0
/* The same faulty module under another name, so several can be loaded. */
#include "ai_selftest.c"
