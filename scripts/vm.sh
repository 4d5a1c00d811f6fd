#!/usr/bin/env bash
# Boot the bench guest and run a command in it.
#
#   vm.sh [options] [--] CMD...
#
#   --kernel PATH     bzImage to boot (default: the patched build in the cache)
#   --base            boot the unpatched base build
#   --topology T      a platform of config/topologies (default: default):
#                     its QEMU devices, kernel arguments, ACPI tables, the
#                     guest-side setup and what the tests expect there
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

# The platform (config/topologies/README.md): read, never run on the host
pdir=$top/config/topologies
pfile=$pdir/$topology
if [[ $topology = *.* || $topology = */* || ! -f $pfile ]]; then
	echo "vm: unknown topology $topology; platforms: $(cd "$pdir" && ls | grep -v '[.]' | tr '\n' ' ')" >&2
	exit 2
fi
pqemu=() acpi=() psetup=() pappend= pids= pexpect=
while IFS= read -r line || [ -n "$line" ]; do
	case $line in '' | '#'*) continue ;; esac
	key=${line%%:*} val=${line#*:}
	val=${val#"${val%%[![:space:]]*}"}
	case $key in
	description) ;;
	qemu) read -ra words <<<"$val"; pqemu+=("${words[@]}") ;;
	append) pappend="$pappend $val" ;;
	acpi) acpi+=(-acpitable file="$("$here/ssdt.sh" "$pdir/$val")") ;;
	id) pids="$pids $val" ;;
	setup) psetup+=("$val") ;;
	expect) pexpect="$pexpect $val" ;;
	*) echo "vm: $pfile: unknown key '$key'" >&2; exit 2 ;;
	esac
done <"$pfile"

mkdir -p "$results"
results=$(cd "$results" && pwd)
rm -f "$results"/{cmd.sh,cmd.out,setup.sh,console.log,dmesg.txt,exit-status,guest.env,stalled,qmp.sock}
printf '%q ' "$@" >"$results/cmd.sh"
echo >>"$results/cmd.sh"
[ ${#psetup[@]} = 0 ] || printf '%s\n' "${psetup[@]}" >"$results/setup.sh"
cat >"$results/guest.env" <<ENV
VFIO_PM_TOP=$(printf %q "$top")
VFIO_PM_SRC=$(printf %q "$src")
VFIO_PM_RESULTS=$(printf %q "$results")
VFIO_PM_TOPOLOGY=$topology
VFIO_PM_KERNEL=$(printf %q "$kernel")
VFIO_PM_VARIANT=$variant
VFIO_PM_ICOUNT=$icount
VFIO_PM_BIND=$bind
VFIO_PM_IDS=$(printf %q "${pids# }")
VFIO_PM_EXPECT=$(printf %q "${pexpect# }")
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

cmdline="console=ttyS0,115200 panic=-1 intel_iommu=on hugepagesz=2M hugepages=64 vfio_pci.enable_sriov=1$pappend"
cmdline="$cmdline vfiopm.results=$results vfiopm.runner=$top/guest/run.sh vfiopm.top=$top $append"

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
	"${pqemu[@]}" "${acpi[@]}" "${extra[@]}" </dev/null &
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
