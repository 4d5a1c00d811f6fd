#!/usr/bin/env bash
# Prepare build/linux: a git clone of the pinned base (one commit, tag
# "base") with patches/ applied in order by git am.  An existing tree with
# commits of its own is left alone unless FORCE=1.  VFIO_PM_TREE=DIR prepares
# DIR instead (make check uses a scratch tree, so it never touches build/linux).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
tree=${VFIO_PM_TREE:-$top/build/linux}
base_repo=$("$here/base-repo.sh")

if [ -d "$tree/.git" ] && [ "${FORCE:-0}" != 1 ]; then
	if [ "$(git -C "$tree" rev-list --count base..HEAD)" != 0 ]; then
		echo "tree: $tree already has $(git -C "$tree" rev-list --count base..HEAD) commit(s) on base; FORCE=1 to recreate it from patches/" >&2
		exit 0
	fi
fi
rm -rf "$tree"
mkdir -p "$top/build"
git clone -q --no-checkout "$base_repo" "$tree"
cd "$tree"
git config gc.auto 0
git config core.untrackedCache true
git tag -f base "$(git -C "$base_repo" rev-parse base)" >/dev/null
git checkout -q -B master base
git config user.name "vfio-pci-pm developers"
git config user.email "vfio-pci-pm@localhost"
n=0
if [ -f "$top/patches/series" ]; then
	while read -r p; do
		case $p in ''|'#'*|0000-*) continue ;; esac
		if ! git am -q --keep-cr --committer-date-is-author-date "$top/patches/$p"; then
			git am --abort || true
			echo "tree: patches/$p does not apply" >&2
			exit 1
		fi
		n=$((n + 1))
	done <"$top/patches/series"
fi
echo "tree: $tree at base + $n patch(es)"
