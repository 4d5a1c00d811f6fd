#!/usr/bin/env bash
# Install the patched tree's VFIO selftests the way kselftest does
# (make -C tools/testing/selftests TARGETS=vfio install): the default
# programs, the runner (run_kselftest.sh) and the directory's settings
# file.  The kernel must have been built first (scripts/build-kernel.sh),
# which checks out the source and installs its uAPI headers.  Prints the
# install directory.
set -euo pipefail
cache=${VFIO_PM_CACHE:-$HOME/.cache/vfio-pci-pm}
out=$cache/out/patched
src=$cache/src/patched
dest=$cache/ksft/patched
[ -f "$out/.config" ] || { echo "ksft-install: build the patched kernel first" >&2; exit 1; }
make -s -C "$src" O="$out" headers_install >/dev/null
rm -rf "$dest"
mkdir -p "$dest"
make -s -C "$src/tools/testing/selftests" TARGETS=vfio O="$out" \
	KSFT_INSTALL_PATH="$dest" CC="ccache gcc" install >"$dest.log" 2>&1 || {
	cat "$dest.log" >&2
	echo "ksft-install: failed" >&2
	exit 1
}
echo "$dest"
