# SPDX-License-Identifier: GPL-2.0
# rxe.sh - soft RoCE inside the test VM (busybox ash). Source it after
# tap.sh.
#
# rxe_up: loads dummy (one netdev, dummy0, given 10.77.0.1/24; the VM has no
# NIC driver loaded), crc32_generic (rxe computes its ICRC with the crypto
# API's "crc32", which the kernel would otherwise try to modprobe) and
# rdma_rxe with the dependencies set-up recorded in modules.dep, then adds rxe0 on dummy0 and
# waits for its port to be ACTIVE. Module loads are checks; a missing module
# or an rxe device that cannot be made returns 2 with the reason in
# $RXE_WHY, for a visible skip. rxe_down undoes it all, each step a check.
RXE_DEV=rxe0
RXE_NETDEV=dummy0
RXE_WHY=

rxe_up() {
	for _m in dummy crc32_generic rdma_rxe; do
		if [ ! -f "$AI_EXTRADIR/$_m.ko" ]; then
			RXE_WHY="no $_m.ko in the initramfs (run tests/vm/setup.sh)"
			return 2
		fi
	done
	t_load_extra dummy || return 1
	t_load_extra crc32_generic || return 1
	t_load_extra rdma_rxe || return 1
	# numdummies defaults to 1 (dummy0); ask for it anyway if it is missing.
	ip link show "$RXE_NETDEV" >/dev/null 2>&1 ||
		ip link add "$RXE_NETDEV" type dummy 2>/dev/null
	ip link set "$RXE_NETDEV" up &&
		ip addr add 10.77.0.1/24 dev "$RXE_NETDEV" || {
		RXE_WHY="cannot configure $RXE_NETDEV"
		return 2
	}
	if ! _out=$(rdma link add "$RXE_DEV" type rxe netdev "$RXE_NETDEV" 2>&1); then
		RXE_WHY="rdma link add $RXE_DEV: $_out"
		return 2
	fi
	_i=0
	while ! rdma link show "$RXE_DEV/1" 2>/dev/null | grep -q 'state ACTIVE'; do
		_i=$((_i + 1))
		if [ $_i -gt 50 ]; then
			RXE_WHY="$RXE_DEV port 1 not ACTIVE: $(rdma link show "$RXE_DEV/1" 2>&1)"
			return 2
		fi
		sleep 0.1
	done
	t_ok "soft RoCE $RXE_DEV on $RXE_NETDEV is ACTIVE"
}

rxe_down() {
	if rdma link show "$RXE_DEV" >/dev/null 2>&1; then
		t_check "rdma link delete $RXE_DEV" rdma link delete "$RXE_DEV"
	fi
	t_unload_extra
}
