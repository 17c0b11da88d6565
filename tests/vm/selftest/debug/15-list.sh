#!/bin/sh
# The same list_head added twice: DEBUG_LIST reports list_add corruption.
insmod /lib/modules/ai/ai_provoke.ko what=list
rmmod ai_provoke 2>/dev/null
echo "ok 1 - ai_provoke what=list loaded"
