#!/bin/sh
# refcount_inc() from zero: refcount_t reports addition on 0.
insmod /lib/modules/ai/ai_provoke.ko what=refcount
rmmod ai_provoke 2>/dev/null
echo "ok 1 - ai_provoke what=refcount loaded"
