#!/bin/sh
. /lib/tap.sh
t_load ai_selftest
t_unload ai_selftest
t_done
