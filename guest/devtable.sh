#!/bin/bash
# Runs in the guest: one line per emulated endpoint with its PM capability
# (from lspci), its power state and runtime-PM status, and its port's.
#   devtable.sh [TITLE]
set -u
[ $# -gt 0 ] && echo "$1"
printf '%-7s %-12s %-9s %-6s %-7s %-10s %-5s | %-12s %-7s %-10s\n' \
	device bdf driver PMcap flags power_state usage port port_state port_rpm
for nb in $VFIO_PM_DEVICES; do
	name=${nb%%=*} bdf=${nb#*=}
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
	drv=$(basename "$(readlink -f "$d/driver" 2>/dev/null)" 2>/dev/null)
	printf '%-7s %-12s %-9s %-6s %-7s %-10s %-5s | %-12s %-7s %-10s\n' \
		"$name" "$bdf" "${drv:--}" "$cap" "$flags" \
		"$(cat "$d/power_state")/$(cat "$d/power/runtime_status")" \
		"$(cat "$d/power/runtime_usage" 2>/dev/null || echo -)" \
		"$port" "$(cat "/sys/bus/pci/devices/$port/power_state" 2>/dev/null || echo -)" \
		"$(cat "/sys/bus/pci/devices/$port/power/runtime_status" 2>/dev/null || echo -)"
done
