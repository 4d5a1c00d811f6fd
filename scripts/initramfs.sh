#!/usr/bin/env bash
# Build the guest initramfs (static busybox + guest/init) into the cache and
# print its path.  Rebuilt only when guest/init or busybox change.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
cache=${VFIO_PM_CACHE:-$HOME/.cache/vfio-pci-pm}
bb=/bin/busybox
[ -x "$bb" ] && grep -q BusyBox < <("$bb" --help 2>&1) || { echo "initramfs: busybox-static missing" >&2; exit 1; }
key=$(cat "$top/guest/init" "$bb" | sha256sum | cut -c1-16)
img=$cache/initramfs-$key.cpio.gz
if [ ! -f "$img" ]; then
	d=$(mktemp -d)
	mkdir -p "$d/bin"
	cp "$bb" "$d/bin/busybox"
	install -m 0755 "$top/guest/init" "$d/init"
	tmp=$(mktemp "$img.XXXXXX")
	(cd "$d" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -9n) >"$tmp"
	mv -f "$tmp" "$img"
	rm -rf "$d"
fi
echo "$img"
