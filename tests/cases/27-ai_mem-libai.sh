#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# libai.so as an application uses it (tests/ai_mem/test_libai.c).
. /lib/tap.sh
t_load ai_mem pool_mb=16 || exit 1
t_run /bin/test_libai
t_unload ai_mem
t_done
