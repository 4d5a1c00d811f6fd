#!/usr/bin/env bash
# make run: the nested walk-through, on the unpatched base and on the
# patched kernel.  In the bench guest (L1), QEMU assigns igb and then nvme to
# a nested guest (L2, a small kernel of its own) whose PMCSR writes and own
# PM reset reach vfio-pci in L1; after each L2 step L1 records the device's
# and its root port's power state and runtime-PM status.  The base and
# patched halves run side by side on a machine with two cores or more (two
# single-threaded TCG guests), one after the other otherwise.  Prints a line
# per finished step, both runs side by side and a verdict.
# Full logs: build/results/nested-base and build/results/nested.
#   run.sh [--topology T]   (default portpm; the walk-through then assigns
#                            those of igb and nvme that T has)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
topology=portpm
[ "${1:-}" != --topology ] || topology=$2
pfile=$top/config/topologies/$topology
[[ $topology != *[./]* && -f $pfile ]] || { echo "run: unknown topology $topology" >&2; exit 1; }
devs=()
for d in igb nvme; do grep -q "^id: $d=" "$pfile" && devs+=("$d"); done
[ ${#devs[@]} -gt 0 ] || { echo "run: $topology has neither igb nor nvme" >&2; exit 1; }
what="L2 with ${devs[0]}${devs[1]:+, then with ${devs[1]}}"
cache=${VFIO_PM_CACHE:-$HOME/.cache/vfio-pci-pm}
# Measured on a 2-core machine of the bench's kind (TCG): see README.
est_half=150 est_cold=30

[ -d "$top/build/linux/.git" ] || "$here/tree.sh" >/dev/null
missing=0
for k in base patched l2; do
	[ -f "$cache/out/$k/arch/x86/boot/bzImage" ] || missing=$((missing + 1))
done
if [ $missing -gt 0 ]; then
	echo "first run: building $missing kernel(s) (base, patched, nested guest) and the selftests;"
	echo "  about $est_cold minutes on 2 cores with an empty cache, cached afterwards"
else
	echo "checking the cached kernels and selftests (base, patched, nested guest)..."
fi
t=$(date +%s)
"$here/build-kernel.sh" --base >/dev/null
"$here/build-kernel.sh" >/dev/null
"$here/build-kernel.sh" --l2 >/dev/null
"$here/build-selftests.sh" --base >/dev/null
"$here/build-selftests.sh" >/dev/null
"$here/l2-initramfs.sh" >/dev/null
echo "  ready in $(($(date +%s) - t)) s"

mkdir -p "$top/build/results"
declare -A res=([base]=$top/build/results/nested-base [patched]=$top/build/results/nested)
declare -A opt=([base]=--base [patched]=)
declare -A pid=() seen=() rc=() took=()
half() { # variant
	local v=$1 s r=0
	s=$(date +%s)
	"$here/nested.sh" ${opt[$v]} --topology "$topology" --no-build --results "${res[$v]}" "${devs[@]}" >"${res[$v]}.log" 2>&1 || r=$?
	echo "$r $(($(date +%s) - s))" >"${res[$v]}.rc"
}
# Print the steps L1 recorded since the last call (guest/nested.sh writes a
# TSV row per step: t_ms step l2 dev_power dev_runtime ... port_runtime).
progress() {
	local v f name key n line
	for v in base patched; do
		for f in "${res[$v]}"/nested/*.tsv; do
			[ -f "$f" ] || continue
			name=$(basename "$f" .tsv)
			key=$v/$name
			n=0
			while IFS=$'\t' read -r ms step _ dp drt _ _ _ prt; do
				n=$((n + 1))
				[ $n -gt 1 ] || continue
				[ $n -gt "${seen[$key]:-1}" ] || continue
				seen[$key]=$n
				printf '  [%4ds] %-7s %-5s %-16s L1: device %s/%s, port %s\n' \
					$(($(date +%s) - t0)) "$v" "$name" "$step" "$dp" "$drt" "$prt"
			done <"$f"
		done
	done
}

for v in base patched; do rm -rf "${res[$v]}" "${res[$v]}.rc"; mkdir -p "${res[$v]}"; done
t0=$(date +%s)
if [ "$(nproc)" -ge 2 ]; then
	echo "base and patched side by side ($topology topology): each boots L1, where QEMU runs $what"
	echo "  (about $est_half s on this kind of machine); a line per step L1 records:"
	half base & pid[base]=$!
	half patched & pid[patched]=$!
	while kill -0 "${pid[base]}" 2>/dev/null || kill -0 "${pid[patched]}" 2>/dev/null; do
		sleep 3
		progress
	done
	wait
else
	echo "one core: base, then patched ($topology topology); each boots L1, where QEMU runs $what"
	echo "  (about $est_half s each on a machine of the bench's kind); a line per step L1 records:"
	for v in base patched; do
		half "$v" &
		while kill -0 $! 2>/dev/null; do sleep 3; progress; done
		wait
	done
fi
progress
status=0
for v in base patched; do
	read -r rc[$v] took[$v] <"${res[$v]}.rc"
	echo "$v: done in ${took[$v]} s, exit ${rc[$v]} (log: ${res[$v]#"$top"/}.log)"
done
# On the base, failed nested checks are the known difference.
[ "${rc[patched]}" = 0 ] || status=1
echo "walk-through: $(($(date +%s) - t0)) s"
echo
echo "Nested assignment walk-through: $(qemu-system-x86_64 --version | head -n1) in L1 assigns each device to L2"
echo "(-device vfio-pci); L1 runs the kernel under test, L2 a small kernel of its own (base source, no debug"
echo "options), both under TCG; root ports with runtime PM (hotplug=off, pcie_port_pm=force).  t = seconds since"
echo "L1 started L2's QEMU.  \"+Nms\": L1 runtime-suspended time added during the step."
"$here/nested-table.py" "${res[base]}" "${res[patched]}" || status=1

# The guest-driven D3cold beside it: the QEMU reference series
# (qemu-patches/, build/qemu) assigns igb with x-acpi-pm=on on the D3cold
# platform; L2's own ACPI powers the device off (_OFF) and on (_ON).
echo
echo "Guest-driven D3cold: building the QEMU series (qemu-patches/; about 5 minutes the first time)..."
[ -d "$top/build/qemu/.git" ] || "$here/tree.sh" qemu >/dev/null
qemu_bin=$("$here/build-qemu.sh")
l2=$("$here/l2-initramfs.sh")
declare -A dres=([base]=$top/build/results/nested-d3cold-base [patched]=$top/build/results/nested-d3cold)
dhalf() { # variant
	local v=$1 r=0
	rm -rf "${dres[$v]}"
	"$here/vm.sh" ${opt[$v]} --topology d3cold --results "${dres[$v]}" --timeout 900 --stall 600 \
		-- env VFIO_PM_L2_KERNEL="$cache/out/l2/arch/x86/boot/bzImage" VFIO_PM_NESTED_QEMU="$qemu_bin" \
		"$top/guest/nested.sh" "$l2" "$cache/selftests/$v" igb >"${dres[$v]}.log" 2>&1 || r=$?
	echo "$r" >"${dres[$v]}.rc"
}
t1=$(date +%s)
if [ "$(nproc)" -ge 2 ]; then
	echo "base and patched side by side (d3cold topology, about 100 s)"
	dhalf base &
	dhalf patched &
	wait
else
	echo "base, then patched (d3cold topology, about 100 s each)"
	dhalf base
	dhalf patched
fi
echo "D3cold walk-through: $(($(date +%s) - t1)) s"
echo
echo "Guest-driven D3cold: the QEMU series in L1 assigns igb to L2 with x-acpi-pm=on (an ACPI power"
echo "resource, _PR0/_PR3, in L2's ACPI); L2 binds it to vfio-pci (no IOMMU), which runtime suspends it,"
echo "and L2's PCI core picks D3cold: _OFF; L2 unbinds it: _ON.  Before that, L2 writes bad input"
echo "straight to the power resource's port (sta: what _STA read).  L1's view after each step:"
for v in base patched; do
	echo
	echo "$v kernel in L1: $(grep -o 'nested: igb (D3cold walk.*' "${dres[$v]}.log" || echo "no result (see ${dres[$v]#"$top"/}.log)")"
	grep -h 'x-acpi-pm\|power resource' "${dres[$v]}"/nested-d3cold/igb-qemu.log 2>/dev/null | sed 's/^qemu-system-x86_64: //; s/^/  QEMU: /'
	f=${dres[$v]}/nested-d3cold/igb-d3cold.tsv
	[ -f "$f" ] && cut -f2,3,4,5 "$f" | sed 's/ qemu_alive=[01]//; s/pmcsr=0x[0-9a-f]* bar=0x[0-9a-f]* //' |
		column -t -s $'\t' | sed 's/^/  /'
	read -r r <"${dres[$v]}.rc"
	[ "$r" = 0 ] || status=1
done
exit $status
