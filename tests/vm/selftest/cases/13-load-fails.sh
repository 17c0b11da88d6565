#!/bin/sh
. /lib/tap.sh
t_load ai_selftest fault=fail_init
t_done
