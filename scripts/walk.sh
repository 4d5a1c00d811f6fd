#!/usr/bin/env bash
# make walk: build what is needed, boot the patched kernel in each topology
# and walk each emulated device through PMCSR D3hot and D0, showing what the
# host side sees: the device's PM capability, power state, runtime-PM status
# and usage count, and its root port's.  On the emulated D3cold platform
# igb also goes through LOW_POWER_ENTRY/EXIT and the D3cold opt-in, on the
# unpatched base first (proof that the platform reaches D3cold without the
# series), then on the patched kernel.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
[ -d "$top/build/linux/.git" ] || "$here/tree.sh" >/dev/null
echo "building the base and patched kernels (cached after the first time)..."
"$here/build-kernel.sh" --base >/dev/null
"$here/build-kernel.sh" >/dev/null
tools=$("$here/build-tools.sh")
walk() { # topology [--base]
	echo
	"$here/vm.sh" --topology "$1" ${2:-} --results "$top/build/results/run-$1${2:-}" -- \
		"$top/guest/walk.sh" "$tools" 2>/dev/null
}
walk default
walk portpm
walk d3cold --base
walk d3cold
