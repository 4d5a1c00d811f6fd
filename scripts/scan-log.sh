#!/usr/bin/env bash
# Scan guest kernel logs for reports that fail a run: WARNING, BUG, lockdep,
# KASAN, kmemleak, hung tasks, oopses and panics.  Prints each report's
# excerpt and exits 1 if there is one.
#   scan-log.sh LOG...
set -u
pat='WARNING:|BUG:|INFO: task .* blocked for more than|possible (recursive|circular) locking|inconsistent lock state|suspicious RCU usage|KASAN:|UBSAN:|kmemleak: [0-9]+ new suspected|Kernel panic|Oops:|general protection fault|watchdog: BUG: soft lockup|rcu: INFO: rcu_.* detected stalls'
rc=0
for f in "$@"; do
	[ -f "$f" ] || continue
	if grep -nEq "$pat" "$f"; then
		rc=1
		echo "scan-log: reports in $f:"
		grep -nE "$pat" "$f" | head -n 5 | while IFS=: read -r n _; do
			echo "----- $f line $n"
			sed -n "$((n > 3 ? n - 3 : 1)),$((n + 25))p" "$f"
		done
	fi
done
exit $rc
