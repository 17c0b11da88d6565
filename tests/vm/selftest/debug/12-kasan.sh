#!/bin/sh
# A read after kfree(): KASAN reports slab-use-after-free.
insmod /lib/modules/ai/ai_provoke.ko what=uaf
rmmod ai_provoke 2>/dev/null
echo "ok 1 - ai_provoke what=uaf loaded"
