#!/bin/sh
. /lib/tap.sh
t_notok "a check that fails on purpose"
t_done
