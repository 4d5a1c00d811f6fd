#!/usr/bin/env bash
# Fetch the pinned QEMU source for the QEMU reference series (issue 18):
# Debian's qemu_10.0.2+ds.orig.tar.xz, the upstream source of the
# qemu-system-x86 10.0.2 the bench runs (bookworm-backports), verify it by
# sha256 and keep it in the cache.  Prints the path of the verified tarball.
set -euo pipefail

TAR=qemu_10.0.2+ds.orig.tar.xz
SIZE=39449628
SHA=0901da33844a331bf8b3602b9c1fbd178e60b737c8e3ade678255bd090c9b9f1
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

cache=${VFIO_PM_CACHE:-$HOME/.cache/vfio-pci-pm}
dir=$cache/qemu
tar=$dir/$TAR
mkdir -p "$dir"

if [ -f "$tar" ] && echo "$SHA  $tar" | sha256sum -c --quiet - 2>/dev/null; then
	echo "$tar"
	exit 0
fi

echo "fetch-qemu: downloading $TAR" >&2
curl -fsSL --retry 3 -o "$tar.part" "$MIRROR/pool/main/q/qemu/$TAR"
if [ "$(stat -c %s "$tar.part")" != "$SIZE" ] ||
   ! echo "$SHA  $tar.part" | sha256sum -c --quiet -; then
	echo "fetch-qemu: ERROR: $TAR does not match the pinned size $SIZE and sha256 $SHA" >&2
	rm -f "$tar.part"
	exit 1
fi
mv "$tar.part" "$tar"
echo "$tar"
