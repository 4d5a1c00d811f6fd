#!/bin/bash
# Runs in the guest, on the emulated D3cold platform (topology d3cold), to
# prove the platform without the series: an idle vfio-pci igb and one put
# in LOW_POWER_ENTRY read power_state D3cold, LOW_POWER_EXIT brings it back
# to D0.  Prints one line per step; exits non-zero if a state is wrong.
#   d3cold-proof.sh TOOLSDIR
set -u
tools=$1
bdf=$VFIO_PM_BDF_igb
d=/sys/bus/pci/devices/$bdf
idle=$(cat "$d/power_state")
echo "idle (vfio-pci, unused): $idle"
out=$("$tools/pmcsr" "$bdf" \
	"entry:sleep 0.5; echo LOW_POWER_ENTRY: \$(cat $d/power_state)" \
	"exit:echo LOW_POWER_EXIT: \$(cat $d/power_state)") || exit 1
echo "$out"
[ "$idle" = D3cold ] && grep -qx 'LOW_POWER_ENTRY: D3cold' <<<"$out" &&
	grep -qx 'LOW_POWER_EXIT: D0' <<<"$out"
