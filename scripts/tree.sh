#!/usr/bin/env bash
# Prepare a series' tree (linux, the default: build/linux with patches/;
# qemu: build/qemu with qemu-patches/; see project.sh): a git clone of the
# pinned base (one commit, tag "base") with the patches applied in order by
# git am.  An existing tree with commits of its own is left alone unless
# FORCE=1.  VFIO_PM_TREE=DIR (VFIO_PM_QEMU_TREE=DIR) prepares DIR instead:
# make check uses scratch trees, so it never touches build/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$here/project.sh"
base_repo=$("$here/base-repo.sh" "$project")

if [ -d "$tree/.git" ] && [ "${FORCE:-0}" != 1 ]; then
	if [ "$(git -C "$tree" rev-list --count base..HEAD)" != 0 ]; then
		echo "$label: $tree already has $(git -C "$tree" rev-list --count base..HEAD) commit(s) on base; FORCE=1 to recreate it from ${patches#"$top"/}/" >&2
		exit 0
	fi
fi
if [ -d "$tree/.git" ] && [ "$(git -C "$tree" rev-parse -q --verify base)" = "$(git -C "$base_repo" rev-parse base)" ]; then
	# Back to the base in place: files the series does not touch keep
	# their times, so a build directory rebuilds only what changed.
	cd "$tree"
	git am --abort >/dev/null 2>&1 || true
	git checkout -q -f -B master base
	git clean -q -fdx
else
	rm -rf "$tree"
	mkdir -p "$(dirname "$tree")"
	git clone -q --no-checkout "$base_repo" "$tree"
	cd "$tree"
	git config gc.auto 0
	git config core.untrackedCache true
	git tag -f base "$(git -C "$base_repo" rev-parse base)" >/dev/null
	git checkout -q -B master base
	git config user.name "vfio-pci-pm developers"
	git config user.email "vfio-pci-pm@localhost"
fi
n=0
if [ -f "$patches/series" ]; then
	while read -r p; do
		case $p in ''|'#'*|0000-*) continue ;; esac
		if ! git am -q --keep-cr --committer-date-is-author-date "$patches/$p"; then
			git am --abort || true
			echo "$label: ${patches#"$top"/}/$p does not apply" >&2
			exit 1
		fi
		n=$((n + 1))
	done <"$patches/series"
fi
echo "$label: $tree at base + $n patch(es)"
