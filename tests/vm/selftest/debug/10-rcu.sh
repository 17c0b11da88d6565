#!/bin/sh
# rcu_dereference() outside rcu_read_lock(): PROVE_RCU reports suspicious RCU usage.
insmod /lib/modules/ai/ai_provoke.ko what=rcu
rmmod ai_provoke 2>/dev/null
echo "ok 1 - ai_provoke what=rcu loaded"
