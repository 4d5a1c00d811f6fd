#!/usr/bin/env bash
# make run: build what is needed, boot the patched kernel in both topologies
# and walk each emulated device through PMCSR D3hot and D0, showing what the
# host side sees: the device's PM capability, power state, runtime-PM status
# and usage count, and its root port's.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
[ -d "$top/build/linux/.git" ] || "$here/tree.sh" >/dev/null
echo "building the patched kernel (cached after the first time)..."
"$here/build-kernel.sh" >/dev/null
tools=$("$here/build-tools.sh")
for topo in default portpm; do
	echo
	"$here/vm.sh" --topology "$topo" --results "$top/build/results/run-$topo" -- \
		"$top/guest/walk.sh" "$tools" 2>/dev/null
done
