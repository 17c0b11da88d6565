#!/bin/sh
# The kernel's report lines, injected through /dev/kmsg: this kernel has no
# kmemleak to trigger for real; what is tested is that the console scan sees it.
echo "<3>kmemleak: 1 new suspected memory leaks (ai_selftest injected report)" > /dev/kmsg
echo "ok 1 - injected"
