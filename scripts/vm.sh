#!/usr/bin/env bash
# Boot the bench guest and run a command in it.
#
#   vm.sh [options] [--] CMD...
#
#   --kernel PATH     bzImage to boot (default: the patched build in the cache)
#   --base            boot the unpatched base build
#   --topology T      default | portpm (root ports hotplug=off, pcie_port_pm=force)
#                     | d3cold (igb gets ACPI power resources: D3cold, see
#                     config/d3cold.asl) | nod3 (default, plus an i82559er on
#                     the root bus: a PM capability whose PowerState ignores
#                     writes, a device that refuses D3hot)
#   --append "ARGS"   extra kernel command-line arguments
#   --qemu "ARGS"     extra QEMU arguments (word-split)
#   --results DIR     results directory shared with the guest (default: build/results/vm)
#   --timeout S       kill the guest after S seconds (default 1800)
#   --no-bind         do not bind the endpoints to vfio-pci
#   --stall S         kill the guest when nothing in the results directory
#                     changed for S seconds (default 300; exit status 124)
#   --icount SHIFT    exact mode (TCG only): one vCPU and QEMU's instruction
#                     counting, -icount shift=SHIFT,sleep=off, so that guest
#                     time is 2^SHIFT ns per guest instruction executed
#
# In the guest CMD runs with bash in the host's userland (host root, read-only
# over 9p), in the repository's directory, with:
#   VFIO_PM_DEVICES   "name=BDF ..." for the emulated endpoints (igb nvme e1000e)
#   VFIO_PM_BDF_<name>  the BDF of each endpoint
#   VFIO_PM_RESULTS   the results directory (writable, shared with the host)
#   VFIO_PM_SRC       the kernel source the guest was built from
#   VFIO_PM_TOPOLOGY  default | portpm | d3cold | nod3
#   VFIO_PM_KERNEL    the host path of the bzImage it booted
#   VFIO_PM_VARIANT   base | patched
# CMD's output is streamed here and kept in DIR/cmd.out; the guest's kernel
# log is in DIR/console.log and DIR/dmesg.txt.  Exit status: CMD's, or 125
# when the guest did not finish.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
cache=${VFIO_PM_CACHE:-$HOME/.cache/vfio-pci-pm}

kernel= variant=patched topology=default append= qemu_extra= timeout=1800 bind=1 stall=300 icount=
results=$top/build/results/vm
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=$2; shift ;;
	--base) variant=base ;;
	--topology) topology=$2; shift ;;
	--append) append=$2; shift ;;
	--qemu) qemu_extra=$2; shift ;;
	--results) results=$2; shift ;;
	--timeout) timeout=$2; shift ;;
	--no-bind) bind=0 ;;
	--stall) stall=$2; shift ;;
	--icount) icount=$2; shift ;;
	--) shift; break ;;
	-*) echo "vm: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
	shift
done
[ $# -gt 0 ] || set -- true

if [ -z "$kernel" ]; then
	kernel=$cache/out/$variant/arch/x86/boot/bzImage
fi
[ -f "$kernel" ] || { echo "vm: no kernel at $kernel (make kernel)" >&2; exit 2; }
if [ $variant = base ]; then
	src=$cache/src/base
else
	src=$cache/src/patched
fi
initrd=$("$here/initramfs.sh")

mkdir -p "$results"
results=$(cd "$results" && pwd)
rm -f "$results"/{cmd.sh,cmd.out,console.log,dmesg.txt,exit-status,guest.env,stalled,qmp.sock}
printf '%q ' "$@" >"$results/cmd.sh"
echo >>"$results/cmd.sh"
cat >"$results/guest.env" <<ENV
VFIO_PM_TOP=$(printf %q "$top")
VFIO_PM_SRC=$(printf %q "$src")
VFIO_PM_RESULTS=$(printf %q "$results")
VFIO_PM_TOPOLOGY=$topology
VFIO_PM_KERNEL=$(printf %q "$kernel")
VFIO_PM_VARIANT=$variant
VFIO_PM_ICOUNT=$icount
VFIO_PM_BIND=$bind
ENV

accel=$("$here/accel.sh" "$kernel" "$initrd")
# Single-threaded TCG: with MTTCG, QEMU 10.0.2 was seen to abort
# (iotlb_to_section assertion) and to stall while BARs were unmapped by a
# PMCSR D3 write.
accel_opt=$accel
[ "$accel" = tcg ] && accel_opt=tcg,thread=single
smp=(-smp 2)
if [ -n "$icount" ]; then
	[ "$accel" = tcg ] || { echo "vm: --icount needs TCG (accelerator: $accel)" >&2; exit 2; }
	# One vCPU: the virtual clock then counts the instructions of the
	# code measured only (and of the interrupts that hit it)
	smp=(-smp 1 -icount "shift=$icount,sleep=off")
fi

hotplug= hotplug1= acpi=() nod3=()
cmdline="console=ttyS0,115200 panic=-1 intel_iommu=on hugepagesz=2M hugepages=64 vfio_pci.enable_sriov=1"
case $topology in
default) ;;
portpm) hotplug=",hotplug=off"; hotplug1=$hotplug; cmdline="$cmdline pcie_port_pm=force" ;;
d3cold)
	# No ACPI hotplug on igb's port: Linux does not use ACPI power
	# management for a node with _EJ0.
	hotplug1=",hotplug=off"
	acpi=(-acpitable file="$("$here/ssdt.sh")")
	;;
nod3)
	# QEMU's eepro100 models register a PM capability but leave PMCSR
	# read-only: a D3hot write leaves PowerState reading D0.
	nod3=(-device i82559er,bus=pcie.0,addr=0x5,romfile=,netdev=n4 -netdev user,id=n4,restrict=on)
	;;
*) echo "vm: unknown topology $topology" >&2; exit 2 ;;
esac
cmdline="$cmdline vfiopm.results=$results vfiopm.runner=$top/guest/run.sh vfiopm.top=$top $append"

# One endpoint behind each root port: igb (NoSoftRst-), nvme (NoSoftRst+),
# e1000e (NoSoftRst-).  The ports sit at 00:02.0, 00:03.0, 00:04.0.
devices=(
	-device "pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=1,addr=0x2$hotplug1"
	-netdev user,id=n1,restrict=on -device igb,id=igb,bus=rp1,netdev=n1
	-device "pcie-root-port,id=rp2,bus=pcie.0,chassis=2,slot=2,addr=0x3$hotplug"
	-device nvme,id=nvme,bus=rp2,serial=vfiopm0
	-device "pcie-root-port,id=rp3,bus=pcie.0,chassis=3,slot=3,addr=0x4$hotplug"
	-netdev user,id=n3,restrict=on -device e1000e,id=e1000e,bus=rp3,netdev=n3
)

# shellcheck disable=SC2206
extra=($qemu_extra)
echo "vm: accel=$accel${icount:+ icount shift=$icount} topology=$topology kernel=$kernel" >&2
set +e
timeout -k 10 "$timeout" qemu-system-x86_64 \
	-machine q35,kernel-irqchip=split -accel "$accel_opt" -cpu max "${smp[@]}" -m 2G \
	-device intel-iommu,intremap=on \
	-display none -vga none -no-reboot -monitor none \
	-qmp unix:"$results/qmp.sock",server=on,wait=off \
	-chardev stdio,id=out,signal=off -serial file:"$results/console.log" -serial chardev:out \
	-kernel "$kernel" -initrd "$initrd" -append "$cmdline" \
	-fsdev local,id=fs0,path=/,security_model=none,readonly=on,multidevs=remap \
	-device virtio-9p-pci,fsdev=fs0,mount_tag=hostroot,bus=pcie.0,addr=0x10 \
	-fsdev local,id=fs1,path="$results",security_model=none,multidevs=remap \
	-device virtio-9p-pci,fsdev=fs1,mount_tag=results,bus=pcie.0,addr=0x11 \
	"${devices[@]}" "${nod3[@]}" "${acpi[@]}" "${extra[@]}" </dev/null &
qpid=$!
# Stall watchdog: under TCG a guest has been seen to stop making progress
# (vCPUs idle, no kernel report); kill it rather than wait for the timeout.
(
	while sleep 10; do
		newest=$(find "$results" -type f -newermt "$stall seconds ago" -print -quit 2>/dev/null)
		if [ -z "$newest" ]; then
			echo "vm: guest stalled: nothing written for ${stall}s, killing it" >&2
			# QEMU's threads, for the record (gdb is on the machine).
			timeout 60 gdb -p "$(pgrep -P "$qpid" -f qemu-system || echo "$qpid")" -batch \
				-ex 'thread apply all bt' >"$results/stall-qemu-bt.txt" 2>&1 || true
			touch "$results/stalled"
			kill "$qpid" 2>/dev/null
			exit 0
		fi
	done
) &
wpid=$!
wait "$qpid"
qrc=$?
kill "$wpid" 2>/dev/null
wait "$wpid" 2>/dev/null
set -e
if [ ! -f "$results/exit-status" ]; then
	[ $qrc = 124 ] && echo "vm: guest timed out after ${timeout}s" >&2
	[ -f "$results/stalled" ] && { echo "vm: guest stalled; console log: $results/console.log" >&2; exit 124; }
	echo "vm: guest did not finish (qemu exit $qrc); console log: $results/console.log" >&2
	tail -n 30 "$results/console.log" >&2 || true
	exit 125
fi
exit "$(cat "$results/exit-status")"
