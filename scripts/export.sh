#!/usr/bin/env bash
# Rewrite a series' patch folder from its tree's base..HEAD (linux, the
# default: build/linux to patches/; qemu: build/qemu to qemu-patches/; see
# project.sh): numbered git format-patch output with zero commit ids, a
# cover letter from the folder's cover-letter.txt once there are patches,
# and a series file listing the order.  Running it twice gives identical
# files.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$here/project.sh"
tree=$top/build/$project
[ -d "$tree/.git" ] || { echo "export: $tree missing; run 'make $label'" >&2; exit 1; }
out=$patches
n=$(git -C "$tree" rev-list --count base..HEAD)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ "$n" -gt 0 ]; then
	git -C "$tree" format-patch -q --zero-commit --no-signature \
		--numbered --cover-letter --base=base \
		--subject-prefix="PATCH" \
		-o "$tmp" base..HEAD
	# The cover letter's body is kept in the repo (cover-letter.txt): the
	# first line is the subject, then a blank line, then the body.
	text=$out/cover-letter.txt
	if [ ! -f "$text" ]; then
		echo "export: write the cover letter in $text (subject, blank line, body)" >&2
		exit 1
	fi
	python3 "$here/cover-letter.py" "$tmp/0000-cover-letter.patch" "$text" \
		"$(git -C "$tree" log -1 --format=%aD HEAD)"
fi
mkdir -p "$out"
# Keep the hand-written cover text; replace everything generated.
find "$out" -maxdepth 1 \( -name '*.patch' -o -name series \) -delete
cp "$tmp"/*.patch "$out"/ 2>/dev/null || true
(cd "$out" && ls -1 [0-9][0-9][0-9][0-9]-*.patch 2>/dev/null | grep -v '^0000-' || true) >"$out/series"
echo "export: $n patch(es) in ${out#"$top"/}/"
