#!/usr/bin/env bash
# Create (once) the cached git repository of the pinned base: one commit,
# tagged "base", with a fixed identity and date so its id is the same on
# every machine.  Prints the repository path.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${VFIO_PM_CACHE:-$HOME/.cache/vfio-pci-pm}
repo=$cache/src/base

if git -C "$repo" rev-parse -q --verify refs/tags/base >/dev/null 2>&1; then
	echo "$repo"
	exit 0
fi
tar=$("$here/fetch-base.sh")
rm -rf "$repo" "$repo.tmp"
mkdir -p "$repo.tmp"
echo "base-repo: unpacking $tar" >&2
tar -C "$repo.tmp" --strip-components=1 -xJf "$tar"
cd "$repo.tmp"
git init -q -b master
git config gc.auto 0
git config core.untrackedCache true
export GIT_AUTHOR_NAME="Debian linux-source" GIT_AUTHOR_EMAIL="debian-kernel@lists.debian.org"
export GIT_COMMITTER_NAME="$GIT_AUTHOR_NAME" GIT_COMMITTER_EMAIL="$GIT_AUTHOR_EMAIL"
export GIT_AUTHOR_DATE="2026-01-01T00:00:00Z" GIT_COMMITTER_DATE="2026-01-01T00:00:00Z"
echo "base-repo: committing the base (takes a minute)" >&2
git add -A -f .
git commit -q -m "Linux 7.3.4 (Debian linux-source-7.3 7.3.4-1~bpo13+1)" \
	-m "Unpacked from linux-source-7.3.tar.xz (sha256 76df1affb19f24926949369be1d74b60071c963c598ce8780bddd4bbf0fc3bc4)."
git tag base
cd /
mv "$repo.tmp" "$repo"
echo "$repo"
