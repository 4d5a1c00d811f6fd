#!/usr/bin/env bash
# The nested walk-through: boot the bench guest (L1) in the port-PM topology
# and let QEMU inside it assign igb and nvme to a nested guest (L2) that
# drives PMCSR (guest/nested.sh, tools/l2pm.c).
#   nested.sh [--base] [--results DIR] [DEVICE...]
# Exit status: the L1 run's (non-zero when a nested check failed; on the
# base the runtime-PM checks are the known difference, not failures).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
base= results=
while [ $# -gt 0 ]; do
	case $1 in
	--base) base=--base ;;
	--results) results=$2; shift ;;
	*) break ;;
	esac
	shift
done
results=${results:-$top/build/results/nested${base:+-base}}
"$here/build-kernel.sh" $base >/dev/null
bin=$("$here/build-selftests.sh" $base)
l2=$("$here/l2-initramfs.sh")
exec "$here/vm.sh" $base --topology portpm --results "$results" --timeout 1500 --stall 600 \
	-- "$top/guest/nested.sh" "$l2" "$bin" "$@"
