#!/usr/bin/env bash
# The series against the base in one run (make bench): boots the base and
# the patched kernel alternately, BENCH_ROUNDS times each (default 4) in each
# of two topologies, runs vfio_pci_pm_bench in every guest (guest/bench.sh)
# and aggregates with scripts/bench-report.py.
#   - default topology, plus 7 root ports with one nvme each (8 nvme for
#     the parallel test): PMCSR, LOW_POWER_ENTRY/EXIT, hot paths, parallel
#     devices;
#   - port-PM topology: PMCSR with a dwell in D3hot (ports may suspend).
# The order of the kernels alternates from round to round (base first in
# odd rounds), so drift over the run affects both alike.
# Then the exact mode: BENCH_EXACT_ROUNDS boots (default 2) of each kernel
# with QEMU's instruction counting (vm.sh --icount 0: one vCPU, 1 ns of
# guest time per guest instruction), built without debugging options
# (build-kernel.sh --perf), running the hot paths and the config reads in
# the user's D3hot: per access cost in guest instructions, which TCG's
# wall-time noise does not reach.  Two boots of one kernel must agree.
# All kernels are copied first, so that a rebuild during the run changes
# nothing.
# Output: build/bench/ (raw/*.jsonl, vm/<guest>/, bench.json, bench.png,
# table.txt).
#   BENCH_ROUNDS=N  boots per kernel and topology (default 4; 0: exact
#                   mode only)
#   BENCH_EXACT_ROUNDS=N  exact-mode boots per kernel (default 2; 0: none)
#   BENCH_BIN=PATH  the benchmark binary (default: the patched selftests
#                   build in the cache; it only needs uAPI the base has,
#                   so the same binary runs on both kernels)
#   BENCH_PM, BENCH_HOT, BENCH_DWELL_MS, BENCH_EXACT: see
#                   guest/bench.sh
set -euo pipefail
# Debian's python3 (with python3-matplotlib) first
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
cache=${VFIO_PM_CACHE:-$HOME/.cache/vfio-pci-pm}
rounds=${BENCH_ROUNDS:-4}
exact_rounds=${BENCH_EXACT_ROUNDS:-2}
bin=${BENCH_BIN:-$cache/selftests/patched/vfio_pci_pm_bench}
out=$top/build/bench
start=$(date +%s)

[ -x "$bin" ] || { echo "bench: no benchmark binary at $bin (make selftests, or BENCH_BIN=)" >&2; exit 2; }
kernels="base patched"
[ "$exact_rounds" -gt 0 ] && kernels="$kernels base-perf patched-perf"
for k in $kernels; do
	[ -f "$cache/out/$k/arch/x86/boot/bzImage" ] ||
		{ echo "bench: no $k kernel (make bench builds it)" >&2; exit 2; }
done

rm -rf "$out"
mkdir -p "$out/raw" "$out/vm" "$out/kernels"
# The cache's kernels are rebuilt by make kernel and make check (patch by
# patch): copy them when no build of them runs and they stay unchanged.
waited=0
while :; do
	if pgrep -f -- "O=$cache/out/(base|patched)(-perf)? " >/dev/null; then
		sleep 10; waited=$((waited + 10)); continue
	fi
	for k in $kernels; do
		cp "$cache/out/$k/arch/x86/boot/bzImage" "$out/kernels/$k.bzImage"
	done
	sleep 5
	same=1
	for k in $kernels; do
		cmp -s "$cache/out/$k/arch/x86/boot/bzImage" "$out/kernels/$k.bzImage" || same=0
	done
	if [ $same = 1 ] && ! pgrep -f -- "O=$cache/out/(base|patched)(-perf)? " >/dev/null; then
		break
	fi
done
{
	printf '{"metric":"host","cpus":%s,"cpu":"%s","qemu":"%s","bench_bin_sha256":"%s"' \
		"$(nproc)" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')" \
		"$(qemu-system-x86_64 --version | head -n1)" "$(sha256sum "$bin" | cut -c1-16)"
	for k in $kernels; do
		printf ',"%s_sha256":"%s"' $k "$(sha256sum "$out/kernels/$k.bzImage" | cut -c1-16)"
	done
	printf ',"patched_source":"%s"}\n' "$(git -C "$cache/src/patched" log -1 --format='%h %s' 2>/dev/null | tr -d '"\\')"
} >"$out/raw/host.jsonl"
# The guest runs the binary from the host's root: keep a copy of it too
cp "$bin" "$out/vfio_pci_pm_bench"
bin=$out/vfio_pci_pm_bench

# 7 more root ports (00:05.0-00:0b.0) with one nvme each
extra=
for i in 1 2 3 4 5 6 7; do
	extra="$extra -device pcie-root-port,id=rpb$i,bus=pcie.0,chassis=$((10 + i)),slot=$((10 + i)),addr=0x$(printf %x $((4 + i)))"
	extra="$extra -device nvme,bus=rpb$i,serial=vfiopmbench$i"
done

# Other guests on this machine (2 cores): wait while two or more run
wait_for_cpu() {
	local n
	while n=$(pgrep -cx qemu-system-x86) && [ "$n" -ge 2 ]; do
		sleep 5
		waited=$((waited + 5))
	done
}

fail=0
boot() {	# NAME VARIANT TOPOLOGY ROUND [vm.sh options...]
	local name=$1 k=$2 topo=$3 r=$4 rc=0 t0 t1 others load mode=wall
	shift 4
	case " $* " in *" --icount "*) mode=exact ;; esac
	wait_for_cpu
	others=$(pgrep -cx qemu-system-x86 || true)
	load=$(cut -d' ' -f1 /proc/loadavg)
	t0=$(date +%s)
	"$here/vm.sh" "$@" --topology "$topo" --results "$out/vm/$name" --timeout 900 \
		-- bash guest/bench.sh "$bin" >"$out/vm/$name.out" 2>&1 || rc=$?
	t1=$(date +%s)
	printf 'bench: %-20s %4ss  rc=%s  (other guests at start: %s, load %s)\n' \
		"$name" $((t1 - t0)) $rc "$others" "$load"
	if [ $rc != 0 ]; then
		fail=1
		tail -n 20 "$out/vm/$name.out" >&2
	fi
	# A patched kernel without the series' LOW_POWER feature is an
	# intermediate build (make check builds the series patch by patch)
	if [ $k = patched ] && [ -f "$out/vm/$name/bench.jsonl" ] &&
	   grep -q '"low_power_feature":false' "$out/vm/$name/bench.jsonl"; then
		echo "bench: the patched kernel lacks VFIO_DEVICE_FEATURE_POWER_POLICY:" \
			"not the whole series (a build in progress?); rerun" >&2
		exit 1
	fi
	if [ -f "$out/vm/$name/bench.jsonl" ]; then
		{
			printf '{"metric":"boot","mode":"%s","variant":"%s","topology":"%s","round":%s,"seconds":%s,"rc":%s,"other_guests":%s,"host_load":%s}\n' \
				$mode "$k" "$topo" "$r" $((t1 - t0)) "$rc" "${others:-0}" "$load"
			sed "s/^{/{\"round\":$r,/" "$out/vm/$name/bench.jsonl"
		} >"$out/raw/$name.jsonl"
	fi
}

for r in $(seq "$rounds"); do
	if [ $((r % 2)) = 1 ]; then order="base patched"; else order="patched base"; fi
	for topo in default portpm; do
		for k in $order; do
			kopt=(--kernel "$out/kernels/$k.bzImage")
			[ $k = base ] && kopt+=(--base)
			[ $topo = default ] && kopt+=(--qemu "$extra")
			boot "$k-$topo-$r" $k $topo "$r" "${kopt[@]}"
		done
	done
done

# Exact mode: the default topology's three endpoints, nothing else, and
# the port-PM topology's PMCSR writes with a dwell (the port's wake-up)
for r in $(seq "$exact_rounds"); do
	if [ $((r % 2)) = 1 ]; then order="base patched"; else order="patched base"; fi
	for topo in default portpm; do
		for k in $order; do
			kopt=(--kernel "$out/kernels/$k-perf.bzImage" --icount 0)
			[ $k = base ] && kopt+=(--base)
			boot "$k-exact-$topo-$r" $k $topo "$r" "${kopt[@]}"
		done
	done
done

end=$(date +%s)
python3 "$here/bench-report.py" --accel "$("$here/accel.sh" "$out/kernels/patched.bzImage" "$("$here/initramfs.sh")")" \
	--seconds $((end - start)) --waited $waited --out "$out" "$out"/raw/*.jsonl | tee "$out/table.txt"
echo "bench: total $((end - start)) s, of which $waited s waiting for other builds and guests; $out/bench.json, $out/bench.png"
exit $fail
