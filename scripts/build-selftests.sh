#!/usr/bin/env bash
# Build tools/testing/selftests/vfio of the patched (or, with --base, the
# base) source against that tree's own uAPI headers.  The kernel must have
# been built first (scripts/build-kernel.sh), which checks out the source.
# Prints the directory holding the test binaries.  With --install (patched
# only), install them instead the way kselftest does (make -C
# tools/testing/selftests TARGETS=vfio install: the programs, the runner
# run_kselftest.sh and the directory's settings file) and print the
# install directory.
set -euo pipefail
cache=${VFIO_PM_CACHE:-$HOME/.cache/vfio-pci-pm}
top=$(cd "$(dirname "$0")/.." && pwd)
variant=patched install=0
case ${1:-} in
--base) variant=base ;;
--install) install=1 ;;
esac
out=$cache/out/$variant
src=$cache/src/$variant
bin=$cache/selftests/$variant
[ -f "$out/.config" ] || { echo "build-selftests: build the $variant kernel first" >&2; exit 1; }
make -s -C "$src" O="$out" headers_install >/dev/null
if [ $install = 1 ]; then
	bin=$cache/ksft/$variant
	rm -rf "$bin"
	mkdir -p "$bin"
	make -s -C "$src/tools/testing/selftests" TARGETS=vfio O="$out" \
		KSFT_INSTALL_PATH="$bin" CC="ccache gcc" install >"$bin.log" 2>&1 || {
		cat "$bin.log" >&2
		echo "build-selftests: install failed" >&2
		exit 1
	}
	echo "$bin"
	exit 0
fi
mkdir -p "$bin"
make -s -C "$src/tools/testing/selftests/vfio" OUTPUT="$bin" \
	KHDR_INCLUDES="-isystem $out/usr/include" CC="ccache gcc" >"$bin/build.log" 2>&1 || {
	cat "$bin/build.log" >&2
	echo "build-selftests: failed" >&2
	exit 1
}
# The bench (tools/libvfio/vfio_pci_pm_bench.c) is the project's, not the series':
# it links the series' libvfio (the patched tree's; the base tree has no
# power management helpers) and uses only uAPI both kernels have.
if [ $variant = patched ]; then
	st=$src/tools/testing/selftests
	ccache gcc -isystem "$out/usr/include" -I"$st/vfio/lib/include" \
		-I"$src/tools/include" -I"$st" -Wall -Werror -pthread \
		"$top/tools/libvfio/vfio_pci_pm_bench.c" $(find "$bin/libvfio" -name '*.o') \
		-luuid -o "$bin/vfio_pci_pm_bench" >>"$bin/build.log" 2>&1 || {
		cat "$bin/build.log" >&2
		echo "build-selftests: vfio_pci_pm_bench failed" >&2
		exit 1
	}
fi
echo "$bin"
