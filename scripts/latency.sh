#!/usr/bin/env bash
# PMCSR write latency, base against patched in one run: boots each kernel
# ROUNDS times (alternating) and runs vfio_pci_pm_bench's pmcsr mode (21
# D0->D3hot->D0 cycles) on every device.  The benchmark only uses uAPI the
# base has, so the same binary measures both.  Prints medians per device
# and direction and the patched/base ratio.
#   latency.sh [ROUNDS] [TOPOLOGY]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
cache=${VFIO_PM_CACHE:-$HOME/.cache/vfio-pci-pm}
rounds=${1:-2} topo=${2:-default}
bin=$cache/selftests/patched
out=$top/build/latency
rm -rf "$out"
mkdir -p "$out"
for r in $(seq "$rounds"); do
	for k in base patched; do
		"$here/vm.sh" $([ $k = base ] && echo --base) --topology "$topo" --results "$out/vm" -- \
			bash -c "for nb in \$VFIO_PM_DEVICES; do $bin/vfio_pci_pm_bench -m pmcsr -n 21 \${nb#*=} 2>/dev/null | grep pmcsr_d | sed \"s/^/\${nb%%=*} /\"; done" \
			2>/dev/null | sed "s/^/$k /" >>"$out/samples.txt"
	done
done
python3 - "$out/samples.txt" "$(cat "$cache/accel-probe-"* 2>/dev/null | head -n1)" "$topo" <<'PY'
import json, statistics, sys
names = {"pmcsr_d0_d3hot": "D0->D3hot", "pmcsr_d3hot_d0": "D3hot->D0"}
rows = {}
for ln in open(sys.argv[1]):
    parts = ln.split(" ", 2)
    if len(parts) < 3 or not parts[2].startswith("{"):
        continue
    k, dev, js = parts
    d = json.loads(js)
    rows.setdefault((dev, names[d["metric"]]), {}).setdefault(k, []).append(
        statistics.median(d["samples"]) / 1e6)
print(f"PMCSR write latency, {sys.argv[3]} topology, accel={sys.argv[2] or 'tcg'}; median over runs of the per-run median of 21 writes (ms)")
print(f"{'device':<8} {'transition':<10} {'base':>8} {'patched':>8} {'ratio':>6} {'n':>3}")
for (dev, name), d in sorted(rows.items()):
    b, p = statistics.median(d["base"]), statistics.median(d["patched"])
    print(f"{dev:<8} {name:<10} {b:8.2f} {p:8.2f} {p / b:6.3f} {len(d['patched']):>3}")
PY
