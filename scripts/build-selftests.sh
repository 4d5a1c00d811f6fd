#!/usr/bin/env bash
# Build tools/testing/selftests/vfio of the patched (or, with --base, the
# base) source against that tree's own uAPI headers.  The kernel must have
# been built first (scripts/build-kernel.sh), which checks out the source.
# Prints the directory holding the test binaries.
set -euo pipefail
cache=${VFIO_PM_CACHE:-$HOME/.cache/vfio-pci-pm}
variant=patched
[ "${1:-}" = --base ] && variant=base
out=$cache/out/$variant
src=$cache/src/$variant
bin=$cache/selftests/$variant
[ -f "$out/.config" ] || { echo "build-selftests: build the $variant kernel first" >&2; exit 1; }
mkdir -p "$bin"
make -s -C "$src" O="$out" headers_install >/dev/null
make -s -C "$src/tools/testing/selftests/vfio" OUTPUT="$bin" \
	KHDR_INCLUDES="-isystem $out/usr/include" CC="ccache gcc" >"$bin/build.log" 2>&1 || {
	cat "$bin/build.log" >&2
	echo "build-selftests: failed" >&2
	exit 1
}
echo "$bin"
