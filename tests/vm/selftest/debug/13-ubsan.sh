#!/bin/sh
# A u32 shifted by 40: UBSAN reports shift-out-of-bounds.
insmod /lib/modules/ai/ai_provoke.ko what=ubsan
rmmod ai_provoke 2>/dev/null
echo "ok 1 - ai_provoke what=ubsan loaded"
