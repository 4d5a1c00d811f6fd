#!/usr/bin/env bash
# Turn the diagnostics of drivers/vfio (or DIR) in a build log into keys that survive
# code motion and line shifts: "message | source line" (whitespace
# squeezed; the file is left out, so code moved to another file keeps its
# key), one per diagnostic, sorted, so that two lists compared with comm
# give the new diagnostics.  --gcc keeps the compiler's (they end with
# [-W...]), --sparse the others.
#   warn-keys.sh --gcc|--sparse LOG SRCDIR [DIR]
set -u
kind=$1 log=$2 src=$3 dir=${4:-drivers/vfio}
pat="^[^ ]*$dir/[^:]*:[0-9]+(:[0-9]+)?: (warning|error):"
if [ "$kind" = --gcc ]; then
	sel() { grep -E "$pat" "$log" | grep -E '\[-W[^]]*\]$'; }
else
	sel() { grep -E "$pat" "$log" | grep -vE '\[-W[^]]*\]$'; }
fi
sel | while IFS= read -r l; do
	path=$(sed -E "s#^[^ ]*($dir/[^:]*):.*#\\1#" <<<"$l")
	line=$(sed -E "s#^[^ ]*$dir/[^:]*:([0-9]+).*#\\1#" <<<"$l")
	msg=$(sed -E "s#^[^ ]*$dir/[^:]*:[0-9]+(:[0-9]+)?: ##" <<<"$l")
	text=$(sed -n "${line}p" "$src/$path" 2>/dev/null | tr -s ' \t' ' ' | sed 's/^ //')
	printf '%s | %s\n' "$msg" "$text"
done | sort
