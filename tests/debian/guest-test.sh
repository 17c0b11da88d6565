#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# guest-test.sh - the packaging test, inside the Debian guest (its runner
# service starts it as /mnt/ai/run; tests/debian/guest.sh boots the guest
# twice and reads the console through tests/vm/report.awk).
#
# Boot 1 (the guest's own 6.1 kernel): install the .debs with no network,
# DKMS builds and signs both modules, udev's group and mode, users in and
# out of the group from Python and C, the Python binding against the real
# modules, the agent under systemd, then a 6.12 kernel installed: DKMS
# builds for it too. Boot 2 (that 6.12 kernel): the modules load, then
# apt-get purge leaves nothing behind and the pool's memory comes back.
S=/mnt/ai
. $S/tap.sh
export DEBIAN_FRONTEND=noninteractive PATH=/usr/sbin:/usr/bin:/sbin:/bin
PHASE=$(cat $S/phase)
KREL=$(uname -r)

begin() { echo "@@BEGIN $1"; T_N=0; T_FAIL=0; }
end() { t_done; echo "@@END $1 rc=$?"; }
# wait_for SECS CMD...: poll CMD every 0.2 s until it succeeds.
wait_for() {
	_n=$(($1 * 5)); shift
	while [ $_n -gt 0 ]; do "$@" > /dev/null 2>&1 && return 0; sleep 0.2; _n=$((_n - 1)); done
	"$@" > /dev/null 2>&1
}
as() { _u=$1; shift; runuser -u "$_u" -- "$@"; }
# MemFree with the page cache dropped, so that what apt and dpkg read does
# not hide the pool coming back.
memfree_kb() { sync; echo 3 > /proc/sys/vm/drop_caches; awk '/^MemFree:/ {print $2}' /proc/meminfo; }
registered() { grep -q "^$1 " /proc/ai_scheduler; }

phase1_install() {
	begin debian-install
	t0=$(date +%s)
	if apt-get install -y -q $S/debs/*.deb > /tmp/apt.log 2>&1; then
		t_ok "apt-get install ./ai-native-*.deb, the guest has no network ($(( $(date +%s) - t0 )) s)"
	else
		t_notok "apt-get install ./ai-native-*.deb"; sed 's/^/# /' /tmp/apt.log | tail -n 30
	fi
	t_check "dkms built and installed ai-native for $KREL" \
		sh -c "dkms status ai-native | grep -q '$KREL.*installed'"
	for m in ai_mem ai_sched; do
		f=$(modinfo -n $m 2> /dev/null)
		case $f in
		/lib/modules/$KREL/updates/dkms/$m.ko*) t_ok "modinfo: $m is $f" ;;
		*) t_notok "modinfo: $m under /lib/modules/$KREL/updates/dkms (got '$f')" ;;
		esac
		signer=$(modinfo -F signer $m 2> /dev/null)
		[ -n "$signer" ] && t_ok "modinfo -F signer $m: $signer" ||
			t_notok "$m is signed (modinfo -F signer is empty)"
	done
	t_check "DKMS made its own MOK key pair" test -s /var/lib/dkms/mok.key -a -s /var/lib/dkms/mok.pub
	t_check "modprobe ai_mem" modprobe ai_mem
	t_check "modprobe ai_sched" modprobe ai_sched
	udevadm settle
	t_check "group ai-native exists (system group)" sh -c \
		'[ "$(getent group ai-native | cut -d: -f3)" -lt 1000 ]'
	for d in ai_mem ai_sched; do
		got=$(stat -c '%U:%G %a' /dev/$d 2> /dev/null)
		[ "$got" = "root:ai-native 660" ] && t_ok "/dev/$d is $got" ||
			t_notok "/dev/$d is root:ai-native 660 (got '$got')"
	done
	t_check "loading at boot is opt-in: no modules-load.d entry, agent disabled" sh -c \
		'! ls /etc/modules-load.d/ | grep -q ai && [ "$(systemctl is-enabled ai-monitor-agent)" = disabled ]'
	t_check "man pages installed" sh -c \
		'for p in man8/ai_monitor.8 man4/ai_mem.4 man4/ai_sched.4 man3/libai.3; do test -e /usr/share/man/$p.gz || exit 1; done'
	end debian-install
}

phase1_access() {
	begin debian-access
	useradd -m -G ai-native alice
	useradd -m bob
	t_run as alice python3 $S/guest_python.py member
	t_run as bob python3 $S/guest_python.py outsider
	if gcc -o /tmp/guest_libai $S/guest_libai.c $(pkg-config --cflags --libs libai) 2> /tmp/cc.log; then
		t_ok "a C program builds against libai with pkg-config"
		t_run as alice /tmp/guest_libai
		t_run as bob /tmp/guest_libai denied
		t_run /tmp/guest_libai
	else
		t_notok "a C program builds against libai with pkg-config"; sed 's/^/# /' /tmp/cc.log
	fi
	end debian-access
}

phase1_python() {
	begin debian-python
	t_run python3 $S/guest_python.py root
	end debian-python
}

agent_pid() { systemctl show -p MainPID --value ai-monitor-agent; }
phase1_agent() {
	begin debian-agent
	install -D -m 0755 $S/fake-nvml/libnvidia-ml.so.1 /opt/fake-nvml/libnvidia-ml.so.1
	mkdir -p /run/fake-nvml
	echo "gpu 10 8589934592 1073741824 Fake GPU" > /run/fake-nvml/state
	# The test's only changes to the shipped unit: the fake NVML, and
	# --match so that a known process gets registered.
	mkdir -p /etc/systemd/system/ai-monitor-agent.service.d
	cat > /etc/systemd/system/ai-monitor-agent.service.d/test.conf <<-EOT
	[Service]
	Environment=LD_LIBRARY_PATH=/opt/fake-nvml FAKE_NVML_STATE=/run/fake-nvml/state
	ExecStart=
	ExecStart=/usr/sbin/ai_monitor agent --interval 100 --auto-register --match ai_feeder --prometheus 127.0.0.1:19400
	EOT
	systemctl daemon-reload
	cp /bin/sleep /tmp/ai_feeder
	/tmp/ai_feeder 600 &
	feeder=$!
	modprobe -r ai_sched
	t_check "systemctl enable --now ai-monitor-agent" systemctl enable --now ai-monitor-agent
	t_check "enabling the agent loaded ai_sched first (modprobe@ai_sched)" test -d /sys/module/ai_sched
	t_check "the agent is active" wait_for 10 systemctl is-active ai-monitor-agent
	t_check "the agent registered ai_feeder (--match)" wait_for 15 registered $feeder
	t_check "ai_feeder boosted to -5 (fake NVML says 10%)" wait_for 10 \
		sh -c "[ \$(ps -o ni= -p $feeder) -eq -5 ]"
	t_check "/metrics on 127.0.0.1:19400" python3 -c \
		'import urllib.request as u; b = u.urlopen("http://127.0.0.1:19400/metrics", timeout=5).read(); assert b"ai_agent_util_pushes_total" in b'
	pid=$(agent_pid)
	t_check "hardening: no new privileges, capability bounding set cut down" sh -c \
		"grep -q '^NoNewPrivs:.*1' /proc/$pid/status && ! grep -q '^CapBnd:.*1ffffffffff' /proc/$pid/status"
	t_check "hardening: / is read-only for the agent (ProtectSystem=strict)" sh -c \
		"grep -q ' / / ro' /proc/$pid/mountinfo"
	t_check "systemctl stop ai-monitor-agent" systemctl stop ai-monitor-agent
	t_check "stopping unregistered ai_feeder, nice back to 0" sh -c \
		"! registered $feeder && [ \$(ps -o ni= -p $feeder) -eq 0 ]"
	systemctl start ai-monitor-agent
	wait_for 15 registered $feeder
	pid=$(agent_pid)
	kill -9 "$pid"
	t_check "restarted after kill -9 (Restart=on-failure)" wait_for 15 sh -c \
		"[ \"\$(systemctl is-active ai-monitor-agent)\" = active ] && [ \"\$(systemctl show -p MainPID --value ai-monitor-agent)\" != $pid ] && [ \"\$(systemctl show -p MainPID --value ai-monitor-agent)\" != 0 ]"
	systemctl disable --now ai-monitor-agent > /dev/null 2>&1
	kill $feeder; wait $feeder 2> /dev/null
	t_check "nothing left registered" wait_for 5 sh -c "! grep -q '^[0-9]' /proc/ai_scheduler"
	rm -rf /etc/systemd/system/ai-monitor-agent.service.d
	systemctl daemon-reload
	end debian-agent
}

phase1_kernel() {
	begin debian-kernel-upgrade
	# A smaller initramfs (only what this machine boots from) keeps the
	# emulated install short; the rest is Debian's default.
	echo MODULES=dep > /etc/initramfs-tools/conf.d/ai-guest.conf
	t0=$(date +%s)
	if apt-get install -y -q /var/cache/ai-native/kernel-6.12/*.deb > /tmp/k.log 2>&1; then
		t_ok "the 6.12 image and headers installed ($(( $(date +%s) - t0 )) s)"
	else
		t_notok "the 6.12 image and headers installed"; tail -n 30 /tmp/k.log | sed 's/^/# /'
	fi
	k=$(ls /boot/vmlinuz-6.12.* 2> /dev/null | sed 's|/boot/vmlinuz-||' | head -n 1)
	t_check "DKMS built ai-native for $k when it was installed" sh -c \
		"dkms status ai-native | grep -q '$k.*installed' && ls /lib/modules/$k/updates/dkms/ai_mem.ko* /lib/modules/$k/updates/dkms/ai_sched.ko*"
	mkdir -p $S/k612
	cp /boot/vmlinuz-"$k" $S/k612/vmlinuz && cp /boot/initrd.img-"$k" $S/k612/initrd.img &&
		t_ok "$k's kernel and initramfs handed to the host for the reboot" ||
		t_notok "$k's kernel and initramfs handed to the host"
	end debian-kernel-upgrade
}

phase2_modules() {
	begin debian-6.12
	case $KREL in 6.12.*) t_ok "rebooted into $KREL" ;; *) t_notok "rebooted into 6.12 (running $KREL)" ;; esac
	t_check "modprobe ai_mem on $KREL" modprobe ai_mem
	t_check "modprobe ai_sched on $KREL" modprobe ai_sched
	t_check "modinfo -F signer ai_mem on $KREL" sh -c '[ -n "$(modinfo -F signer ai_mem)" ]'
	udevadm settle
	t_run as alice python3 $S/guest_python.py member
	end debian-6.12
}

phase2_purge() {
	begin debian-purge
	pool_kb=$(awk '/^Total Pool Size:/ {print $4 * 1024}' /proc/ai_memory)
	before=$(memfree_kb)
	if apt-get purge -y -q ai-native-dkms ai-native-tools python3-ai-native > /tmp/purge.log 2>&1; then
		t_ok "apt-get purge of the three packages"
	else
		t_notok "apt-get purge"; tail -n 20 /tmp/purge.log | sed 's/^/# /'
	fi
	after=$(memfree_kb)
	t_check "modules unloaded" sh -c '! test -d /sys/module/ai_mem && ! test -d /sys/module/ai_sched'
	t_check "pool memory back: MemFree $before -> $after kB (pool $pool_kb kB)" \
		[ $((after - before)) -ge $((pool_kb * 9 / 10)) ]
	t_check "no module file left" sh -c '! find /lib/modules -name "ai_mem.ko*" -o -name "ai_sched.ko*" | grep -q .'
	t_check "no DKMS tree or source left" sh -c '! ls -d /var/lib/dkms/ai-native /usr/src/ai-native-* 2> /dev/null | grep -q .'
	t_check "no udev rule, no unit, no library left" sh -c \
		'! ls /usr/lib/udev/rules.d/60-ai-native.rules /lib/systemd/system/ai-monitor-agent.service /usr/lib/*/libai.so* /usr/lib/python3/dist-packages/ai_native 2> /dev/null | grep -q .'
	t_check "no group ai-native left" sh -c '! getent group ai-native'
	t_check "dpkg holds none of them, not even their configuration" sh -c \
		'! dpkg-query -W -f "\${db:Status-Abbrev}\n" ai-native-dkms ai-native-tools python3-ai-native 2> /dev/null | grep -q "^.[^n]"'
	end debian-purge
}

echo "@@VM BOOT debian-$PHASE $KREL"
if [ "$PHASE" = 1 ]; then
	phase1_install
	phase1_access
	phase1_python
	phase1_agent
	phase1_kernel
else
	phase2_modules
	phase2_purge
fi
echo "@@VM DONE"
