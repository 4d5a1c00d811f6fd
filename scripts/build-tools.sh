#!/usr/bin/env bash
# Build the bench's own small programs (tools/*.c) into the cache; prints the
# directory.  They are compiled against the patched tree's uAPI headers
# (installed from the patched build, which must exist), so that they know
# the series' new uAPI; what they compare with the base uses only uAPI the
# base kernel has, and new uAPI fails cleanly on the base.  The program in
# tools/libvfio/ (vfio_pci_pm_bench) links the series' libvfio:
# scripts/build-selftests.sh builds it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
cache=${VFIO_PM_CACHE:-$HOME/.cache/vfio-pci-pm}
out=$cache/tools
kout=$cache/out/patched
[ -f "$kout/.config" ] || { echo "build-tools: build the patched kernel first" >&2; exit 1; }
make -s -C "$cache/src/patched" O="$kout" headers_install >/dev/null
hdr=$kout/usr/include/linux/vfio.h
mkdir -p "$out"
for c in "$top"/tools/*.c; do
	b=$out/$(basename "$c" .c)
	if [ ! -x "$b" ] || [ "$c" -nt "$b" ] || [ "$hdr" -nt "$b" ] || [ "$top/tools/vfio_group_open.h" -nt "$b" ]; then
		gcc -O2 -Wall -Wextra -Werror -isystem "$kout/usr/include" -o "$b" "$c"
	fi
done
echo "$out"
