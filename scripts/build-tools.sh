#!/usr/bin/env bash
# Build the bench's own small programs (tools/*.c) into the cache; prints the
# directory.  They use only uAPI the base kernel has.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
cache=${VFIO_PM_CACHE:-$HOME/.cache/vfio-pci-pm}
out=$cache/tools
mkdir -p "$out"
for c in "$top"/tools/*.c; do
	b=$out/$(basename "$c" .c)
	if [ ! -x "$b" ] || [ "$c" -nt "$b" ]; then
		gcc -O2 -Wall -Wextra -Werror -o "$b" "$c"
	fi
done
echo "$out"
