#!/bin/sh
# A GFP_KERNEL allocation under a spinlock: sleeping function called from invalid context.
insmod /lib/modules/ai/ai_provoke.ko what=sleep
rmmod ai_provoke 2>/dev/null
echo "ok 1 - ai_provoke what=sleep loaded"
