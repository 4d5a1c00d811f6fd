#!/usr/bin/env bash
# The nested walk-through: boot the bench guest (L1) in the port-PM topology
# (or --topology T) and let QEMU inside it assign igb and nvme (or DEVICE...)
# to a nested guest (L2) that drives PMCSR (guest/nested.sh, tools/l2pm.c).
#   nested.sh [--base] [--topology T] [--results DIR] [--no-build] [DEVICE...]
# --no-build: the kernels, selftests and L2 initramfs are built already
# (scripts/run.sh builds them once before running two of these side by side).
# Exit status: the L1 run's (non-zero when a nested check failed; on the
# base the runtime-PM checks are the known difference, not failures).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
base= results= build=1 topology=portpm
while [ $# -gt 0 ]; do
	case $1 in
	--base) base=--base ;;
	--topology) topology=$2; shift ;;
	--results) results=$2; shift ;;
	--no-build) build=0 ;;
	*) break ;;
	esac
	shift
done
results=${results:-$top/build/results/nested${base:+-base}}
if [ $build = 1 ]; then
	"$here/build-kernel.sh" $base >/dev/null
	"$here/build-kernel.sh" --l2 >/dev/null
	"$here/build-selftests.sh" $base >/dev/null
fi
cache=${VFIO_PM_CACHE:-$HOME/.cache/vfio-pci-pm}
variant=patched
[ -z "$base" ] || variant=base
bin=$cache/selftests/$variant
l2=$("$here/l2-initramfs.sh")
exec "$here/vm.sh" $base --topology "$topology" --results "$results" --timeout 1500 --stall 600 \
	-- env VFIO_PM_L2_KERNEL="$cache/out/l2/arch/x86/boot/bzImage" "$top/guest/nested.sh" "$l2" "$bin" "$@"
