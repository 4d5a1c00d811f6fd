#!/usr/bin/env bash
# The uAPI headers the series changes must stay backwards compatible with
# the base: every struct/union layout the base header defines (sizes,
# offsets and types of all members, read from DWARF with pahole) and every
# macro it defines (ioctl numbers, flags) must be unchanged; new ones may be
# added.  Complements scripts/check-uapi.sh, whose abidiff from Debian 12
# (libabigail 2.2) did not report a widened struct member in a trial.
#   uapi-layout.sh TREE BASE_HDRS PATCHED_HDRS    (HDRS: headers_install dirs)
set -euo pipefail
tree=$1 bh=$2 ph=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mapfile -t hdrs < <(git -C "$tree" diff --name-only base HEAD -- include/uapi |
	sed -n 's#^include/uapi/##p' | grep '\.h$' || true)
[ ${#hdrs[@]} -gt 0 ] || { echo "no uAPI header changed"; exit 0; }
layouts() { # hdrdir header out
	printf '#include <%s>\n' "$2" >"$tmp/t.c"
	gcc -g -fno-eliminate-unused-debug-types -c -isystem "$1" -o "$tmp/t.o" "$tmp/t.c"
	# one line per struct/union: "name | whole layout", whitespace squeezed
	pahole "$tmp/t.o" | awk '
		/^(struct|union) [A-Za-z0-9_]+ \{/ { name = $1 " " $2; body = ""; inb = 1 }
		inb { gsub(/[ \t]+/, " "); body = body $0 "\\n" }
		inb && /^\};/ { print name " | " body; inb = 0 }' | sort >"$3.layout"
	gcc -dM -E -isystem "$1" "$tmp/t.c" | sort >"$3.macros"
}
rc=0 nstruct=0 nmacro=0
for h in "${hdrs[@]}"; do
	[ -f "$bh/$h" ] || { echo "$h: new header"; continue; }
	layouts "$bh" "$h" "$tmp/base"
	layouts "$ph" "$h" "$tmp/patched"
	changed=$(comm -23 "$tmp/base.layout" "$tmp/patched.layout" | cut -d'|' -f1)
	gone=$(comm -23 "$tmp/base.macros" "$tmp/patched.macros")
	nstruct=$((nstruct + $(wc -l <"$tmp/base.layout")))
	nmacro=$((nmacro + $(wc -l <"$tmp/base.macros")))
	if [ -n "$changed" ]; then
		rc=1
		echo "$h: layout changed or removed:" $changed
		while IFS= read -r n; do
			n=${n% }
			for v in base patched; do
				echo "--- $v: $n"
				grep -F "$n | " "$tmp/$v.layout" | cut -d'|' -f2- | sed 's/\\n/\n/g' | head -n 40
			done
		done <<<"$changed"
	fi
	if [ -n "$gone" ]; then
		rc=1
		echo "$h: macros changed or removed:"
		echo "$gone" | sed 's/^/  /'
	fi
done
[ $rc = 0 ] && echo "${#hdrs[@]} changed header(s): $nstruct base struct/union layouts and $nmacro base macros unchanged"
exit $rc
