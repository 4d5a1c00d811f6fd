#!/usr/bin/env bash
# Rewrite qemu-patches/ from build/qemu's base..HEAD: numbered git
# format-patch output with zero commit ids, a cover letter from
# qemu-patches/cover-letter.txt, and qemu-patches/series listing the order.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
tree=$top/build/qemu
[ -d "$tree/.git" ] || { echo "qemu-export: $tree missing; run 'make qemu-tree'" >&2; exit 1; }
out=$top/qemu-patches
n=$(git -C "$tree" rev-list --count base..HEAD)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ "$n" -gt 0 ]; then
	git -C "$tree" format-patch -q --zero-commit --no-signature \
		--numbered --cover-letter --base=base \
		--subject-prefix="PATCH" -o "$tmp" base..HEAD
	text=$out/cover-letter.txt
	if [ ! -f "$text" ]; then
		echo "qemu-export: write the cover letter in $text (subject, blank line, body)" >&2
		exit 1
	fi
	python3 "$here/cover-letter.py" "$tmp/0000-cover-letter.patch" "$text" \
		"$(git -C "$tree" log -1 --format=%aD HEAD)"
fi
mkdir -p "$out"
find "$out" -maxdepth 1 \( -name '*.patch' -o -name series \) -delete
cp "$tmp"/*.patch "$out"/ 2>/dev/null || true
(cd "$out" && ls -1 [0-9][0-9][0-9][0-9]-*.patch 2>/dev/null | grep -v '^0000-' || true) >"$out/series"
echo "qemu-export: $n patch(es) in qemu-patches/"
