#!/bin/bash
# Runs inside the guest, chrooted into the host's userland (see guest/init).
# Binds the emulated endpoints to vfio-pci with the upstream selftests'
# setup.sh, runs the command that scripts/vm.sh left in the results
# directory, and records its output, exit status and the kernel log.
results=
for a in $(cat /proc/cmdline); do
	case $a in vfiopm.results=*) results=${a#vfiopm.results=} ;; esac
done
# shellcheck disable=SC1091
. "$results/guest.env"
export VFIO_PM_TOP VFIO_PM_SRC VFIO_PM_RESULTS VFIO_PM_TOPOLOGY VFIO_PM_KERNEL VFIO_PM_VARIANT VFIO_PM_ICOUNT
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp TMPDIR=/tmp

out=/dev/ttyS1
stty -F $out raw -echo 2>/dev/null

# What the platform (config/topologies) says the tests must find there
for e in $VFIO_PM_EXPECT; do export "${e?}"; done
# QEMU's devices do not emulate the reset a NoSoftRst- device performs on
# D3hot->D0: their registers show whether they kept power across D3hot
export VFIO_PM_D3HOT_KEEPS_STATE=1

# Find the platform's endpoints by vendor:device.
declare -A ids=()
for nv in $VFIO_PM_IDS; do ids[${nv%%=*}]=${nv#*=}; done
VFIO_PM_DEVICES=
for d in /sys/bus/pci/devices/*; do
	id=$(sed 's/^0x//' "$d/vendor"):$(sed 's/^0x//' "$d/device")
	for n in "${!ids[@]}"; do
		if [ "${ids[$n]}" = "$id" ] && [ ! -e "$d/physfn" ]; then
			bdf=$(basename "$d")
			VFIO_PM_DEVICES="$VFIO_PM_DEVICES $n=$bdf"
			export "VFIO_PM_BDF_$n=$bdf"
		fi
	done
done
VFIO_PM_DEVICES=$(echo "$VFIO_PM_DEVICES" | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/^ *//; s/ *$//')
export VFIO_PM_DEVICES

{
	if [ "$VFIO_PM_BIND" = 1 ]; then
		for nb in $VFIO_PM_DEVICES; do
			"$VFIO_PM_SRC/tools/testing/selftests/vfio/scripts/setup.sh" "${nb#*=}" >/dev/null ||
				echo "run.sh: setup.sh ${nb#*=} failed"
		done
	fi
	# The platform's host-side settings
	if [ -s "$results/setup.sh" ]; then
		bash -e "$results/setup.sh" || echo "run.sh: the platform's setup failed"
	fi
	cd "$VFIO_PM_TOP" && bash "$results/cmd.sh"
} 2>&1 | tee "$results/cmd.out" >$out
rc=${PIPESTATUS[0]}
dmesg >"$results/dmesg.txt"
echo "$rc" >"$results/exit-status"
sync
