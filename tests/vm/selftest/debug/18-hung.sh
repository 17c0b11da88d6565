#!/bin/sh
# An uninterruptible sleep of 8 s with the hung-task timeout at 2 s:
# khungtaskd reports the task blocked.
echo 2 > /proc/sys/kernel/hung_task_timeout_secs
insmod /lib/modules/ai/ai_provoke.ko what=hung hung_secs=8
rmmod ai_provoke 2>/dev/null
echo 120 > /proc/sys/kernel/hung_task_timeout_secs
echo "ok 1 - ai_provoke what=hung loaded"
