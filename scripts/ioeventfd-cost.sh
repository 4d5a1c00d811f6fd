#!/usr/bin/env bash
# The cost of VFIO ioeventfds on I/O and memory BARs (tools/ioeventfd_cost.c,
# igb: I/O BAR at offset 0, memory BAR0 at 0xc000), base against patched in
# one run: ROUNDS (default 2) boots per kernel, alternating.  The series
# makes I/O BAR ioeventfds take memory_lock (trylock, as memory BAR
# ioeventfds already do on the base) to check the power state.
#   ioeventfd-cost.sh [ROUNDS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
rounds=${1:-2}
tools=$("$here/build-tools.sh")
out=$top/build/results/ioeventfd
rm -rf "$out"
mkdir -p "$out"
for r in $(seq "$rounds"); do
	for k in base patched; do
		"$here/vm.sh" $([ $k = base ] && echo --base) --results "$out/vm" -- \
			bash -c "$tools/ioeventfd_cost \$VFIO_PM_BDF_igb" 2>/dev/null |
			sed "s/^/$k /" >>"$out/samples.txt"
	done
done
python3 - "$out/samples.txt" <<'EOF'
import statistics, sys
s = {}
for line in open(sys.argv[1]):
    k, kind, ns = line.split()
    s.setdefault((kind, k), []).append(float(ns))
print("VFIO ioeventfd write, ns per eventfd write (median over boots of the median of 5x20000), igb, TCG")
for kind in ("io", "mem"):
    b, p = statistics.median(s[(kind, "base")]), statistics.median(s[(kind, "patched")])
    spread = [x / statistics.median(s[(kind, "base")]) for x in s[(kind, "patched")]]
    print(f"{kind:4} base {b:8.0f}  patched {p:8.0f}  patched/base {p / b:.3f}  (patched rounds {min(spread):.3f}-{max(spread):.3f} of the base median)")
EOF
