#!/bin/bash
# Runs in the guest: one line per emulated endpoint with its PM capability
# (from lspci), its power state and runtime-PM status, and its port's.
#   devtable.sh [-n] [-o NAME] [STEP]
# -n: no header; -o NAME: only that device; STEP: text for the first column.
set -u
header=1 only= step=
while [ $# -gt 0 ]; do
	case $1 in
	-n) header=0 ;;
	-o) only=$2; shift ;;
	*) step=$1 ;;
	esac
	shift
done
fmt='%-18s %-7s %-12s %-5s %-10s %-16s %-5s | %-12s %-5s %-9s\n'
[ $header = 1 ] && printf "$fmt" step device bdf PMcap flags power/runtime usage port state runtime
for nb in $VFIO_PM_DEVICES; do
	name=${nb%%=*} bdf=${nb#*=}
	[ -n "$only" ] && [ "$only" != "$name" ] && continue
	d=/sys/bus/pci/devices/$bdf
	port=$(basename "$(dirname "$(readlink -f "$d")")")
	pm=$(lspci -vv -s "$bdf" 2>/dev/null | grep -A2 'Power Management version')
	if [ -n "$pm" ]; then
		cap=v$(echo "$pm" | sed -n 's/.*Power Management version \([0-9]*\).*/\1/p')
		flags=$(echo "$pm" | grep -o 'NoSoftRst[+-]' | sed 's/NoSoftRst/NSR/')
		flags=$flags$(echo "$pm" | grep -o 'D1[+-]' | head -n1)$(echo "$pm" | grep -o 'D2[+-]' | head -n1)
	else
		cap=none flags=-
	fi
	printf "$fmt" "${step:-$(basename "$(readlink -f "$d/driver" 2>/dev/null)")}" \
		"$name" "$bdf" "$cap" "$flags" \
		"$(cat "$d/power_state")/$(cat "$d/power/runtime_status")" \
		"$(cat "$d/power/runtime_usage" 2>/dev/null || echo -)" \
		"$port" "$(cat "/sys/bus/pci/devices/$port/power_state" 2>/dev/null || echo -)" \
		"$(cat "/sys/bus/pci/devices/$port/power/runtime_status" 2>/dev/null || echo -)"
done
