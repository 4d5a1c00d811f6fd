#!/usr/bin/env bash
# Prepare build/qemu for the QEMU reference series: a git clone of the
# pinned QEMU base (Debian's qemu_10.0.2+ds.orig.tar.xz, one commit tagged
# "base", cached with a fixed identity and date) with qemu-patches/ applied
# in order by git am.  An existing tree with commits of its own is left alone
# unless FORCE=1.  VFIO_PM_QEMU_TREE=DIR prepares DIR instead.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
cache=${VFIO_PM_CACHE:-$HOME/.cache/vfio-pci-pm}
repo=$cache/qemu/src-base
tree=${VFIO_PM_QEMU_TREE:-$top/build/qemu}

if ! git -C "$repo" rev-parse -q --verify refs/tags/base >/dev/null 2>&1; then
	tar=$("$here/fetch-qemu.sh")
	rm -rf "$repo" "$repo.tmp"
	mkdir -p "$repo.tmp"
	echo "qemu-tree: unpacking $tar" >&2
	tar -C "$repo.tmp" --strip-components=1 -xJf "$tar"
	cd "$repo.tmp"
	git init -q -b master
	git config gc.auto 0
	export GIT_AUTHOR_NAME="Debian QEMU Team" GIT_AUTHOR_EMAIL="pkg-qemu-devel@lists.alioth.debian.org"
	export GIT_COMMITTER_NAME="$GIT_AUTHOR_NAME" GIT_COMMITTER_EMAIL="$GIT_AUTHOR_EMAIL"
	export GIT_AUTHOR_DATE="2026-01-01T00:00:00Z" GIT_COMMITTER_DATE="2026-01-01T00:00:00Z"
	git add -A -f .
	git commit -q -m "QEMU 10.0.2 (Debian qemu_10.0.2+ds.orig.tar.xz)" \
		-m "sha256 0901da33844a331bf8b3602b9c1fbd178e60b737c8e3ade678255bd090c9b9f1"
	git tag base
	cd /
	mv "$repo.tmp" "$repo"
fi

if [ -d "$tree/.git" ] && [ "${FORCE:-0}" != 1 ]; then
	if [ "$(git -C "$tree" rev-list --count base..HEAD)" != 0 ]; then
		echo "qemu-tree: $tree already has $(git -C "$tree" rev-list --count base..HEAD) commit(s) on base; FORCE=1 to recreate it from qemu-patches/" >&2
		exit 0
	fi
fi
if [ -d "$tree/.git" ]; then
	# Back to the base in place: files the series does not touch keep
	# their times, so the build directory rebuilds only what changed.
	cd "$tree"
	git am --abort >/dev/null 2>&1 || true
	git checkout -q -f -B master base
	git clean -q -fdx
else
	rm -rf "$tree"
	mkdir -p "$(dirname "$tree")"
	git clone -q --no-checkout "$repo" "$tree"
	cd "$tree"
	git config gc.auto 0
	git tag -f base "$(git -C "$repo" rev-parse base)" >/dev/null
	git checkout -q -B master base
	git config user.name "vfio-pci-pm developers"
	git config user.email "vfio-pci-pm@localhost"
fi
n=0
if [ -f "$top/qemu-patches/series" ]; then
	while read -r p; do
		case $p in ''|'#'*|0000-*) continue ;; esac
		if ! git am -q --keep-cr --committer-date-is-author-date "$top/qemu-patches/$p"; then
			git am --abort || true
			echo "qemu-tree: qemu-patches/$p does not apply" >&2
			exit 1
		fi
		n=$((n + 1))
	done <"$top/qemu-patches/series"
fi
echo "qemu-tree: $tree at base + $n patch(es)"
