#!/usr/bin/env bash
# make check: the series, patch by patch, then the patched kernel in the
# guest.  Stops at the first failing stage and names its log.
#   check.sh [--kasan]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
cache=${VFIO_PM_CACHE:-$HOME/.cache/vfio-pci-pm}
logs=$top/build/check
rm -rf "$logs"
mkdir -p "$logs"
kflags=()
[ "${1:-}" = --kasan ] && kflags=(--kasan)

t0=$(date +%s)
stage_start=$t0
stage() {
	stage_name=$1
	stage_start=$(date +%s)
	printf '== %s\n' "$stage_name"
}
ok() {
	printf '   ok: %s (%ds)\n' "${1:-$stage_name}" $(($(date +%s) - stage_start))
}
die() {
	printf '   FAILED: %s\n' "$1"
	[ -n "${2:-}" ] && printf '   log: %s\n' "$2"
	printf 'check failed at stage "%s" after %ds\n' "$stage_name" $(($(date +%s) - t0))
	printf '0 passed, 1 failed\n'
	exit 1
}

# --- a. the series, one patch at a time -----------------------------------
stage "base tree and base build"
# patches/ is the product: apply it to a scratch tree (build/linux, where the
# series is developed, is left alone).
export VFIO_PM_TREE=$top/build/check-linux
FORCE=1 "$here/tree.sh" >"$logs/tree.log" 2>&1 || die "patches/ do not apply (git am)" "$logs/tree.log"
tree=$VFIO_PM_TREE
"$here/build-kernel.sh" --base >"$logs/build-base.log" 2>&1 || die "base kernel build" "$logs/build-base.log"
norm() { # warnings of drivers/vfio without line numbers, sorted
	grep -E '^[^ ]*drivers/vfio/[^:]*:[0-9]+(:[0-9]+)?: (warning|error)' "$1" |
		sed -E 's#^.*/(drivers/vfio/[^:]*):[0-9]+(:[0-9]+)?:#\1:#' | sort -u
}
norm "$cache/out/base-w1/vfio-warnings.log" >"$logs/base-warnings.txt"
ok "base built; drivers/vfio has $(wc -l <"$logs/base-warnings.txt") W=1 warning(s) on the base"

mapfile -t commits < <(git -C "$tree" rev-list --reverse base..HEAD)
mapfile -t files < <(grep -v '^#' "$top/patches/series" 2>/dev/null | grep -v '^$')
[ ${#commits[@]} = ${#files[@]} ] || { stage "series"; die "patches/series lists ${#files[@]} patch(es) but ${#commits[@]} applied"; }
for i in "${!commits[@]}"; do
	p=${files[$i]}
	stage "patch $((i + 1))/${#commits[@]}: $p"
	(cd "$tree" && ./scripts/checkpatch.pl --strict --terse --show-types \
		--ignore MISSING_SIGN_OFF,NO_AUTHOR_SIGN_OFF "$top/patches/$p") >"$logs/checkpatch-$p.log" 2>&1
	if grep -qE '(ERROR|WARNING|CHECK):' "$logs/checkpatch-$p.log"; then
		cat "$logs/checkpatch-$p.log"
		die "checkpatch --strict: $p" "$logs/checkpatch-$p.log"
	fi
	ok "checkpatch --strict clean (missing Signed-off-by expected)"
	"$here/build-kernel.sh" --rev "${commits[$i]}" --log "$logs/build-$p.log" >/dev/null 2>"$logs/build-$p.err" ||
		{ cat "$logs/build-$p.err"; die "kernel build at $p" "$logs/build-$p.log"; }
	norm "$cache/out/patched-w1/vfio-warnings.log" >"$logs/warnings-$p.txt"
	new=$(comm -13 "$logs/base-warnings.txt" "$logs/warnings-$p.txt")
	if [ -n "$new" ]; then
		echo "$new"
		grep -F -f <(echo "$new" | cut -d: -f1 | sort -u) "$cache/out/patched-w1/vfio-warnings.log" | head -n 20
		die "new W=1 warnings in drivers/vfio with $p" "$cache/out/patched-w1/vfio-warnings.log"
	fi
	ok "builds; no new W=1 warnings in drivers/vfio"
done

# --- b. the patched kernel and the selftests -------------------------------
stage "patched kernel${kflags:+ (KASAN)}"
"$here/build-kernel.sh" "${kflags[@]}" >"$logs/build-patched.log" 2>&1 || die "patched kernel build" "$logs/build-patched.log"
ok
stage "patched kernel with CONFIG_PM=n"
"$here/build-kernel.sh" --no-pm >"$logs/build-nopm.log" 2>&1 || die "CONFIG_PM=n build" "$logs/build-nopm.log"
ok
stage "VFIO selftests build (patched tree, its own uAPI headers)"
bin=$("$here/build-selftests.sh" 2>"$logs/selftests-build.log") || die "selftests build" "$logs/selftests-build.log"
mapfile -t tests < <(make -s -C "$cache/src/patched/tools/testing/selftests/vfio" -f Makefile -f - print-tests <<<'print-tests: ; @echo $(TEST_GEN_PROGS)' 2>/dev/null |
	tr ' ' '\n' | sed 's#.*/##' | grep -v '^$')
[ ${#tests[@]} -gt 0 ] || die "no selftests found"
ok "${#tests[@]} test programs: ${tests[*]}"

# --- c. boot and run every selftest on every device --------------------------
kernel=$cache/out/patched/arch/x86/boot/bzImage
[ ${#kflags[@]} -gt 0 ] && kernel=$cache/out/patched-kasan/arch/x86/boot/bzImage
# Boot one guest and run selftests in it; its output goes to vm-NAME.out and
# its exit status to vm-NAME.rc, so a guest can also run in the background.
boot_guest() { # name topology kernel env-assignments -- tests...
	local name=$1 topo=$2 kernel=$3
	shift 3
	local envs=()
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	local try rc start
	start=$(date +%s)
	: >"$logs/vm-$name.out"
	for try in 1 2; do
		rm -rf "$logs/vm-$name"
		"$here/vm.sh" --kernel "$kernel" --topology "${topo/nopm/default}" --results "$logs/vm-$name" --timeout 1500 \
			-- env "${envs[@]}" "$top/guest/selftests.sh" "$topo" "$bin" "$@" >>"$logs/vm-$name.out" 2>&1
		rc=$?
		# A TCG guest that stops making progress (seen on the base kernel
		# too, with no kernel report) is booted once more; the stalled
		# run's console log is kept.
		{ [ "$rc" = 124 ] && [ -f "$logs/vm-$name/stalled" ]; } || [ "$rc" = 125 ] || break
		[ $try = 1 ] || break
		cp "$logs/vm-$name/console.log" "$logs/stalled-$name-console.log"
		echo "NOTE: guest stalled (console: $logs/stalled-$name-console.log); booting it once more" >>"$logs/vm-$name.out"
	done
	echo "$rc $(($(date +%s) - start))" >"$logs/vm-$name.rc"
}
finish_guest() { # name topology
	local name=$1 topo=$2 rc secs
	stage "guest $name ($topo topology)"
	sed 's/^/   /' "$logs/vm-$name.out"
	read -r rc secs <"$logs/vm-$name.rc"
	stalls=$((stalls + $(grep -c '^NOTE: guest stalled' "$logs/vm-$name.out")))
	[ "$rc" = 124 ] && die "the guest stalled or timed out" "$logs/vm-$name/console.log"
	[ "$rc" = 125 ] && die "the guest did not finish" "$logs/vm-$name/console.log"
	[ "$rc" = 0 ] || die "the guest run failed (exit $rc)" "$logs/vm-$name.out"
	"$here/scan-log.sh" "$logs/vm-$name/console.log" "$logs/vm-$name/dmesg.txt" >"$logs/scan-$name.log" ||
		{ cat "$logs/scan-$name.log"; die "guest kernel log has a WARNING/BUG/lockdep/KASAN/hung-task report" "$logs/vm-$name/console.log"; }
	printf '   ok: guest ran %ds; log clean (no WARNING, BUG, lockdep, KASAN or hung-task report)\n' "$secs"
	dirs+=("$logs/vm-$name/$topo")
}
dirs=()
stalls=0
pmtests=()
for t in "${tests[@]}"; do case $t in vfio_pci_pm*) pmtests+=("$t") ;; esac; done
# Every selftest on every device, one boot per device, default topology;
# then the power-management tests again: with runtime-PM capable root ports
# (the port must then suspend with its child), on the emulated D3cold
# platform (igb has ACPI power resources; the D3cold cases must run), and
# on the CONFIG_PM=n kernel (PMCSR writes take the direct path).  igb's
# guest takes longest (vfio_pci_driver_test), so it runs in the background
# next to the others.
stage "guests: igb in the background, then nvme, e1000e, port-PM, D3cold, CONFIG_PM=n"
"$here/initramfs.sh" >/dev/null || die "initramfs"
nopm_kernel=$cache/out/patched-nopm/arch/x86/boot/bzImage
plain=VFIO_PM_EXPECT_D3COLD=0
boot_guest igb default "$kernel" VFIO_PM_ONLY=igb $plain -- "${tests[@]}" &
igb_pid=$!
boot_guest nvme default "$kernel" VFIO_PM_ONLY=nvme $plain -- "${tests[@]}"
boot_guest e1000e default "$kernel" VFIO_PM_ONLY=e1000e $plain -- "${tests[@]}"
if [ ${#pmtests[@]} -gt 0 ]; then
	boot_guest portpm portpm "$kernel" VFIO_PM_EXPECT_PORT_SUSPEND=1 $plain -- "${pmtests[@]}"
	boot_guest d3cold d3cold "$kernel" VFIO_PM_ONLY=igb VFIO_PM_EXPECT_D3COLD=1 -- "${pmtests[@]}"
	boot_guest nopm nopm "$nopm_kernel" VFIO_PM_ONLY=nvme -- "${pmtests[@]}"
fi
wait "$igb_pid"
ok "all guests finished"
finish_guest igb default
finish_guest nvme default
finish_guest e1000e default
if [ ${#pmtests[@]} -gt 0 ]; then
	finish_guest portpm portpm
	finish_guest d3cold d3cold
	finish_guest nopm nopm
fi

# --- d. results -------------------------------------------------------------
stage "results"
"$here/tap-report.py" "${dirs[@]}" >"$logs/report.txt"
trc=$?
sed '$d' "$logs/report.txt" | sed '/^$/d'
[ $stalls -gt 0 ] && echo "check: $stalls guest stall(s) retried (see README, known TCG stall)"
printf 'check: %s in %ds\n' "$([ $trc = 0 ] && echo passed || echo FAILED)" $(($(date +%s) - t0))
tail -n 1 "$logs/report.txt"
exit $trc
