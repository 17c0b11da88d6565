#!/bin/sh
# BUG() in init: the kernel kills insmod and prints an Oops.
insmod /lib/modules/ai/ai_selftest_bug.ko fault=bug
echo "ok 1 - survived"
