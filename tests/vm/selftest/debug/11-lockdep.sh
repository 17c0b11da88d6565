#!/bin/sh
# Mutex A then B, later B then A: lockdep reports a possible circular
# locking dependency. Lockdep turns itself off after its first report, and
# KASAN's reports turn it off too (the taint they add makes lockdep
# unreliable): so the RCU case first, this one second, the rest after.
insmod /lib/modules/ai/ai_provoke.ko what=lockdep
rmmod ai_provoke 2>/dev/null
echo "ok 1 - ai_provoke what=lockdep loaded"
