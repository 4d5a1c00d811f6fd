#!/bin/bash
# Runs in the guest, on a D3cold platform (topologies d3cold, bridgepr3,
# switchpr3), to prove the platform without the series: an idle vfio-pci
# igb and one put in LOW_POWER_ENTRY read power_state D3cold (through its
# own power resources or those of a bridge above it, which suspends after
# its autosuspend delay), LOW_POWER_EXIT brings it back to D0.  Prints one
# line per step and the state of each bridge above igb; exits non-zero if
# a state is wrong.
#   d3cold-proof.sh TOOLSDIR
set -u
tools=$1
bdf=$VFIO_PM_BDF_igb
d=/sys/bus/pci/devices/$bdf

# power_state of igb once it is STATE or after 3 s
wait_state() {
	local i
	for i in $(seq 300); do
		[ "$(cat "$d/power_state")" = "$1" ] && break
		sleep 0.01
	done
	cat "$d/power_state"
}

bridges() {
	local p=$(readlink -f "$d")
	while p=${p%/*}; [[ ${p##*/} =~ ^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$ ]]; do
		echo "  bridge ${p##*/}: $(cat "$p/power/runtime_status") $(cat "$p/power_state")"
	done
}

idle=$(wait_state D3cold)
echo "idle (vfio-pci, unused): $idle"
bridges
out=$("$tools/pmcsr" "$bdf" \
	"entry:for i in \$(seq 300); do [ \$(cat $d/power_state) = D3cold ] && break; sleep 0.01; done; echo LOW_POWER_ENTRY: \$(cat $d/power_state)" \
	"exit:echo LOW_POWER_EXIT: \$(cat $d/power_state)") || exit 1
echo "$out"
[ "$idle" = D3cold ] && grep -qx 'LOW_POWER_ENTRY: D3cold' <<<"$out" &&
	grep -qx 'LOW_POWER_EXIT: D0' <<<"$out"
