#!/usr/bin/env bash
# The bench's platforms (config/topologies): one line each for make help,
# or the README's table.
#   platforms.sh --list             NAME  description
#   platforms.sh --markdown         the README's platform table
#   platforms.sh --check README.md  fail if the README's table (between
#                                   the platforms markers) differs
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
dir=$top/config/topologies

values() { # file key: the key's values, one per line
	sed -n "s/^$2:[[:space:]]*//p" "$1"
}
names() { (cd "$dir" && ls | grep -v '[.]'); }

markdown() {
	echo '| platform | what it is | kernel arguments | ACPI | the tests expect |'
	echo '|----------|------------|------------------|------|------------------|'
	local n f
	for n in $(names); do
		f=$dir/$n
		printf '| `%s` | %s | %s | %s | %s |\n' "$n" "$(values "$f" description)" \
			"$(values "$f" append | sed 's/.*/`&`/' | paste -sd' ')" \
			"$(values "$f" acpi | sed 's#.*#[&](config/topologies/&)#' | paste -sd' ')" \
			"$(values "$f" expect | sed 's/.*/`&`/' | paste -sd' ')"
	done
}

case ${1:-} in
--list)
	for n in $(names); do
		printf '  %-10s %s\n' "$n" "$(values "$dir/$n" description)"
	done ;;
--markdown) markdown ;;
--check)
	readme=${2:?}
	got=$(sed -n '/^<!-- platforms: scripts\/platforms.sh --markdown -->$/,/^<!-- \/platforms -->$/p' "$readme" | sed '1d;$d')
	if [ "$got" != "$(markdown)" ]; then
		echo "platforms: the table in $readme differs from config/topologies; scripts/platforms.sh --markdown:" >&2
		diff <(echo "$got") <(markdown) >&2 || true
		exit 1
	fi ;;
*) echo "usage: platforms.sh --list | --markdown | --check README.md" >&2; exit 2 ;;
esac
