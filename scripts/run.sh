#!/usr/bin/env bash
# make run: the nested walk-through, on the unpatched base and then on the
# patched kernel.  In the bench guest (L1), QEMU assigns igb and then nvme to
# a nested guest (L2) whose PMCSR writes and own PM reset reach vfio-pci in
# L1; after each L2 step L1 records the device's and its root port's power
# state and runtime-PM status.  Prints both runs side by side and a verdict.
# Full logs: build/results/nested-base and build/results/nested.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
[ -d "$top/build/linux/.git" ] || "$here/tree.sh" >/dev/null
echo "building the base and patched kernels and selftests (cached after the first time)..."
"$here/build-kernel.sh" --base >/dev/null
"$here/build-kernel.sh" >/dev/null
mkdir -p "$top/build/results"
rc=0
for v in base patched; do
	start=$(date +%s)
	if [ $v = base ]; then opt=--base res=$top/build/results/nested-base; else opt= res=$top/build/results/nested; fi
	echo "$v: booting L1; QEMU in L1 runs L2 with igb, then nvme (TCG in TCG, about 4 minutes)..."
	# On the base, failed nested checks are the known difference.
	"$here/nested.sh" $opt --results "$res" >"$res.log" 2>&1 || { [ $v = base ] || rc=1; }
	echo "$v: done in $(($(date +%s) - start)) s (log: ${res#"$top"/}.log)"
done
echo
echo "Nested assignment walk-through: $(qemu-system-x86_64 --version | head -n1) in L1 assigns each device to L2"
echo "(-device vfio-pci); L1 and L2 run the same kernel under TCG; root ports with runtime PM (hotplug=off,"
echo "pcie_port_pm=force).  t = seconds since L1 started L2's QEMU.  \"+Nms\": L1 runtime-suspended time"
echo "added during the step."
"$here/nested-table.py" "$top/build/results/nested-base" "$top/build/results/nested" || rc=1
exit $rc
