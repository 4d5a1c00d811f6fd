#!/usr/bin/env bash
# Fetch the pinned base kernel (Debian's linux-source-7.3 7.3.4-1~bpo13+1 from
# trixie-backports) with a private apt configuration, verify it and unpack the
# tarball into the cache.  Prints the path of the verified tarball.
set -euo pipefail

PKG=linux-source-7.3
VER=7.3.4-1~bpo13+1
DEB_SHA=703e369ddd4cce971452f5a593ee55df3a5c10c83caf0fa0df039633ed181ee3
TAR_SHA=76df1affb19f24926949369be1d74b60071c963c598ce8780bddd4bbf0fc3bc4
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

cache=${VFIO_PM_CACHE:-$HOME/.cache/vfio-pci-pm}
dir=$cache/base
tar=$dir/linux-source-7.3.tar.xz
mkdir -p "$dir"

if [ -f "$tar" ] && echo "$TAR_SHA  $tar" | sha256sum -c --quiet - 2>/dev/null; then
	echo "$tar"
	exit 0
fi

apt_dir=$dir/apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$apt_dir/etc/preferences.d"
: >"$apt_dir/status"
echo "deb $MIRROR trixie-backports main" >"$apt_dir/sources.list"
opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list"
      -o "Dir::Etc::SourceParts=/dev/null"
      -o "Dir::Etc::Preferences=/dev/null"
      -o "Dir::Etc::PreferencesParts=$apt_dir/etc/preferences.d"
      -o "Dir::State::Lists=$apt_dir/lists"
      -o "Dir::State::Status=$apt_dir/status"
      -o "Dir::Cache=$apt_dir"
      -o "Dir::Cache::Archives=$apt_dir/archives"
      -o "APT::Architecture=amd64"
      -o "APT::Sandbox::User=root"
      -o "Debug::NoLocking=1")

echo "fetch-base: updating private apt lists (trixie-backports)" >&2
apt-get "${opts[@]}" -qq update >&2
if ! apt-cache "${opts[@]}" show "$PKG=$VER" >/dev/null 2>&1; then
	echo "fetch-base: ERROR: $PKG version $VER is no longer in trixie-backports at $MIRROR." >&2
	echo "fetch-base: the base is pinned to that version; update scripts/fetch-base.sh deliberately." >&2
	exit 1
fi
rm -f "$dir"/*.deb
(cd "$dir" && apt-get "${opts[@]}" -qq download "$PKG=$VER" >&2)
deb=$(ls "$dir"/${PKG}_*_all.deb)
if ! echo "$DEB_SHA  $deb" | sha256sum -c --quiet -; then
	echo "fetch-base: ERROR: sha256 of $deb does not match the pinned $DEB_SHA" >&2
	exit 1
fi
x=$(mktemp -d "$dir/x.XXXX")
dpkg -x "$deb" "$x"
if ! echo "$TAR_SHA  $x/usr/src/linux-source-7.3.tar.xz" | sha256sum -c --quiet -; then
	echo "fetch-base: ERROR: sha256 of the tarball in $deb does not match $TAR_SHA" >&2
	rm -rf "$x"
	exit 1
fi
mv "$x/usr/src/linux-source-7.3.tar.xz" "$tar"
rm -rf "$x" "$deb"
echo "$tar"
