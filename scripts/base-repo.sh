#!/usr/bin/env bash
# Create (once) the cached git repository of a series' pinned base (linux,
# the default, or qemu; see project.sh): one commit, tagged "base", with a
# fixed identity and date so its id is the same on every machine.  Prints
# the repository path.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$here/project.sh"
repo=$base_cache

if git -C "$repo" rev-parse -q --verify refs/tags/base >/dev/null 2>&1; then
	echo "$repo"
	exit 0
fi
tar=$("$fetch")
rm -rf "$repo" "$repo.tmp"
mkdir -p "$repo.tmp"
echo "base-repo: unpacking $tar" >&2
tar -C "$repo.tmp" --strip-components=1 -xJf "$tar"
cd "$repo.tmp"
git init -q -b master
git config gc.auto 0
git config core.untrackedCache true
export GIT_AUTHOR_NAME="$base_author" GIT_AUTHOR_EMAIL="$base_email"
export GIT_COMMITTER_NAME="$GIT_AUTHOR_NAME" GIT_COMMITTER_EMAIL="$GIT_AUTHOR_EMAIL"
export GIT_AUTHOR_DATE="2026-01-01T00:00:00Z" GIT_COMMITTER_DATE="2026-01-01T00:00:00Z"
echo "base-repo: committing the base (takes a minute)" >&2
git add -A -f .
git commit -q -m "$base_subject" -m "$base_body"
git tag base
cd /
mv "$repo.tmp" "$repo"
echo "$repo"
