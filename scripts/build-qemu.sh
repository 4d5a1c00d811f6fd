#!/usr/bin/env bash
# Build qemu-system-x86_64 of build/qemu (the QEMU reference series, see
# qemu-patches/) into the cache: x86_64-softmmu only, TCG, no docs or
# optional libraries, Debian's firmware, ccache.  The build directory is
# kept per tree state, so a warm machine rebuilds nothing.  Prints the path
# of the binary.  VFIO_PM_QEMU_TREE=DIR builds DIR instead of build/qemu.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
cache=${VFIO_PM_CACHE:-$HOME/.cache/vfio-pci-pm}
tree=${VFIO_PM_QEMU_TREE:-$top/build/qemu}
[ -d "$tree/.git" ] || "$here/tree.sh" qemu >&2
# A build directory per tree (build/qemu, make check's scratch tree), so
# switching between them rebuilds nothing
out=$cache/qemu/out-$(basename "$tree")
bin=$out/qemu-system-x86_64

export CCACHE_DIR=${CCACHE_DIR:-$cache/ccache}
export CCACHE_BASEDIR=$tree
head=$(git -C "$tree" rev-parse HEAD)
if [ -x "$bin" ] && [ "$(cat "$out/.head" 2>/dev/null)" = "$head" ] &&
   git -C "$tree" diff --quiet HEAD; then
	echo "$bin"
	exit 0
fi

# One build directory, reconfigured only when configure's arguments change.
args=(--target-list=x86_64-softmmu --python=/usr/bin/python3
      --cc="ccache gcc" --cxx="ccache g++" --objcc="ccache gcc"
      --without-default-features
      --enable-tcg --enable-pixman
      --disable-docs --disable-werror --disable-download --disable-install-blobs
      --firmwarepath=/usr/share/qemu:/usr/share/seabios:/usr/lib/ipxe/qemu)
# The +ds source has no prebuilt firmware; QEMU's meson unpacks the (absent)
# EDK2 images whenever it finds bzip2.  Build with a PATH of symlinks to
# /usr/bin without bzip2, so meson (also when it reconfigures) does not.
nobz=$cache/qemu/path-nobzip2
if [ ! -x "$nobz/gcc" ]; then
	rm -rf "$nobz"
	mkdir -p "$nobz"
	for f in /usr/bin/*; do
		case ${f##*/} in bzip2|bunzip2|bzcat) continue ;; esac
		ln -s "$f" "$nobz/${f##*/}"
	done
fi
export PATH=$nobz:/usr/sbin:/sbin

mkdir -p "$out"
if [ "$(cat "$out/.args" 2>/dev/null)" != "${args[*]} $tree" ] || [ ! -f "$out/build.ninja" ]; then
	rm -rf "$out"
	mkdir -p "$out"
	echo "build-qemu: configuring $tree" >&2
	(cd "$out" && "$tree/configure" "${args[@]}" >"$out/configure.log" 2>&1) || {
		tail -n 30 "$out/configure.log" >&2
		exit 1
	}
	echo "${args[*]} $tree" >"$out/.args"
fi
echo "build-qemu: building qemu-system-x86_64" >&2
if ! ninja -C "$out" qemu-system-x86_64 >"$out/build.log" 2>&1; then
	grep -E 'error|Error' "$out/build.log" | head -n 30 >&2
	exit 1
fi
git -C "$tree" diff --quiet HEAD && echo "$head" >"$out/.head"
echo "$bin"
