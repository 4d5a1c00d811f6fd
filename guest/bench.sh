#!/bin/bash
# Runs in the guest (through scripts/bench.sh): vfio_pci_pm_bench on the
# emulated endpoints.  JSON lines go to $VFIO_PM_RESULTS/bench.jsonl, each
# tagged with the kernel variant, the topology and the device's name;
# the benchmark's progress to bench.log.
#   bench.sh BENCH_BINARY
# Default topology: PMCSR, LOW_POWER_ENTRY/EXIT and the hot paths on igb,
# the first nvme and e1000e (one after the other; the hot paths in four
# blocks between the others), and the parallel test on every nvme (1, 2,
# 4, 8 at once).
# Port-PM topology: PMCSR only, staying BENCH_DWELL_MS (default 200, more
# than the ports' 100 ms autosuspend delay) in D3hot, so that the D0 write
# finds the port runtime suspended where the kernel lets it suspend.
# Exact mode (the guest booted with vm.sh --icount, VFIO_PM_ICOUNT set):
# the hot paths in D0 and the config reads in the user's D3hot (modes hot
# and d3read), BENCH_EXACT samples (default 300) of each on each device;
# guest time then counts guest instructions.  In the port-PM topology,
# exact mode: 10 PMCSR D3hot/D0 cycles with the dwell, in icount time (a
# sleep counts its length, code its instructions at 1 ns each).
# BENCH_PM, BENCH_HOT: sample counts (see the benchmark).
set -u
bin=$1
out=$VFIO_PM_RESULTS/bench.jsonl
log=$VFIO_PM_RESULTS/bench.log
pm=${BENCH_PM:-40} hot=${BENCH_HOT:-10000}
dwell=${BENCH_DWELL_MS:-200} exact=${BENCH_EXACT:-300}
mode=wall
[ -n "${VFIO_PM_ICOUNT:-}" ] && mode=exact
: >"$out"
: >"$log"

# name=BDF of the devices measured one by one: the first of each kind
declare -A first
nvmes=()
for nb in $VFIO_PM_DEVICES; do
	name=${nb%%=*} bdf=${nb#*=}
	[ -z "${first[$name]:-}" ] && first[$name]=$bdf
	[ "$name" = nvme ] && nvmes+=("$bdf")
done

tag() {
	python3 -c '
import json, sys
variant, topo, name, mode, icount = sys.argv[1:6]
for ln in sys.stdin:
    ln = ln.strip()
    if not ln.startswith("{"):
        continue
    d = json.loads(ln)
    d.update(variant=variant, topology=topo, name=name, mode=mode)
    if icount:
        d.update(icount_shift=int(icount))
    print(json.dumps(d, separators=(",", ":")))
' "$VFIO_PM_VARIANT" "$VFIO_PM_TOPOLOGY" "$1" $mode "${VFIO_PM_ICOUNT:-}" >>"$out"
}

rc=0
run() {
	local name=$1
	shift
	echo "+ $bin $*" >>"$log"
	"$bin" "$@" 2>>"$log" | tag "$name"
	[ "${PIPESTATUS[0]}" = 0 ] || { echo "bench: $name failed: $*" | tee -a "$log"; rc=1; }
}

echo "{\"metric\":\"guest\",\"mode\":\"$mode\",\"variant\":\"$VFIO_PM_VARIANT\",\"topology\":\"$VFIO_PM_TOPOLOGY\",\"kernel\":\"$(uname -r) $(uname -v)\",\"devices\":\"$VFIO_PM_DEVICES\",\"cpus\":$(nproc)}" >>"$out"

devs=()
for name in igb nvme e1000e; do
	if [ -n "${first[$name]:-}" ]; then devs+=("$name"); else echo "bench: no $name device"; rc=1; fi
done

# Every device in turn with the modes given
each() {
	local name
	for name in "${devs[@]}"; do
		run "$name" "$@" "${first[$name]}"
	done
}

if [ $mode = exact ] && [ "$VFIO_PM_TOPOLOGY" = portpm ]; then
	# The port's wake-up in icount time (sleeps count their length)
	each -m pmcsr -n 10 -d "$dwell"
elif [ $mode = exact ]; then
	each -m hot,d3read -s "$exact"
elif [ "$VFIO_PM_TOPOLOGY" = portpm ]; then
	each -m pmcsr -n "$pm" -d "$dwell"
else
	# The hot paths in four blocks spread over the run, so that a slow
	# phase of the host affects every kernel alike
	blk=$(((hot + 3) / 4))
	each -m hot -s "$blk"
	each -m pmcsr -n "$pm"
	each -m hot -s "$blk"
	each -m lowpower -n "$pm"
	each -m hot -s "$blk"
	if [ ${#nvmes[@]} -ge 2 ]; then
		run nvme -m parallel -n "$pm" "${nvmes[@]}"
	else
		echo "bench: only ${#nvmes[@]} nvme, no parallel test"
	fi
	each -m hot -s "$blk"
fi
echo "bench: $(grep -c . "$out") result lines, variant $VFIO_PM_VARIANT, topology $VFIO_PM_TOPOLOGY"
exit $rc
