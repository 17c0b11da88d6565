#!/bin/sh
# An object whose only pointer is dropped: kmemleak lists it in the scan at the end of the run.
insmod /lib/modules/ai/ai_provoke.ko what=leak
rmmod ai_provoke 2>/dev/null
echo "ok 1 - ai_provoke what=leak loaded"
