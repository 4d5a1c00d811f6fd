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
kflags=() kasan=0
[ "${1:-}" = --kasan ] && kflags=(--kasan) kasan=1

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
base_src=$cache/src/base
"$here/warn-keys.sh" --gcc "$cache/out/base-w1/vfio-warnings.log" "$base_src" >"$logs/base-w1.keys"
"$here/warn-keys.sh" --sparse "$cache/out/base-w1/vfio-warnings.log" "$base_src" >"$logs/base-sparse.keys"
ok "base built; drivers/vfio has $(wc -l <"$logs/base-w1.keys") W=1 and $(wc -l <"$logs/base-sparse.keys") sparse warning(s) on the base"

# kernel-doc -none warnings of FILE in TREE, without line numbers
kdoc_keys() { # tree file
	[ -f "$1/$2" ] || return 0
	(cd "$1" && scripts/kernel-doc -none "$2" 2>&1) | sed -nE 's/^Warning: ([^:]*):[0-9]+ /\1: /p' | sort
}
# One line per check; on failure print what failed and stop.
check_line() { printf '   %-44s %s\n' "$1" "$2"; }
new_keys() { # label base-keys patch-keys full-log
	local new
	new=$(comm -13 "$2" "$3")
	if [ -n "$new" ]; then
		check_line "$1" FAILED
		echo "$new" | sed 's/^/     new: /'
		die "new $1 warnings with $p" "$4"
	fi
	check_line "$1" "ok ($(wc -l <"$3") warning(s), none new)"
}
codespell=
command -v codespell >/dev/null && codespell=--codespell

mapfile -t commits < <(git -C "$tree" rev-list --reverse base..HEAD)
mapfile -t files < <(grep -v '^#' "$top/patches/series" 2>/dev/null | grep -v '^$')
[ ${#commits[@]} = ${#files[@]} ] || { stage "series"; die "patches/series lists ${#files[@]} patch(es) but ${#commits[@]} applied"; }
# Under KASAN only the kernel's behaviour is of interest: the per-patch and
# series checks are those of a plain make check, and are skipped.
if [ $kasan = 1 ]; then
	stage "per-patch and series checks"
	ok "skipped with KASAN=1 (a plain make check runs them)"
else
for i in "${!commits[@]}"; do
	p=${files[$i]} c=${commits[$i]}
	stage "patch $((i + 1))/${#commits[@]}: $p"
	(cd "$tree" && ./scripts/checkpatch.pl --strict $codespell --terse --show-types \
		--ignore MISSING_SIGN_OFF,NO_AUTHOR_SIGN_OFF "$top/patches/$p") >"$logs/checkpatch-$p.log" 2>&1
	if grep -qE '(ERROR|WARNING|CHECK):' "$logs/checkpatch-$p.log"; then
		check_line "checkpatch --strict $codespell" FAILED
		cat "$logs/checkpatch-$p.log"
		die "checkpatch --strict: $p" "$logs/checkpatch-$p.log"
	fi
	check_line "checkpatch --strict $codespell" "ok (only the missing Signed-off-by, expected)"
	"$here/build-kernel.sh" --rev "$c" --log "$logs/build-$p.log" >/dev/null 2>"$logs/build-$p.err" ||
		{ check_line "kernel build (W=1 + sparse for drivers/vfio)" FAILED; cat "$logs/build-$p.err"; die "kernel build at $p" "$logs/build-$p.log"; }
	check_line "kernel build (W=1 + sparse for drivers/vfio)" ok
	wlog=$cache/out/patched-w1/vfio-warnings.log
	"$here/warn-keys.sh" --gcc "$wlog" "$cache/src/patched" >"$logs/w1-$p.keys"
	"$here/warn-keys.sh" --sparse "$wlog" "$cache/src/patched" >"$logs/sparse-$p.keys"
	cp "$wlog" "$logs/vfio-warnings-$p.log"
	new_keys "W=1 drivers/vfio" "$logs/base-w1.keys" "$logs/w1-$p.keys" "$logs/vfio-warnings-$p.log"
	new_keys "sparse drivers/vfio" "$logs/base-sparse.keys" "$logs/sparse-$p.keys" "$logs/vfio-warnings-$p.log"
	: >"$logs/kdoc-base-$p.keys"
	: >"$logs/kdoc-$p.keys"
	while IFS= read -r f; do
		kdoc_keys "$base_src" "$f" >>"$logs/kdoc-base-$p.keys"
		kdoc_keys "$cache/src/patched" "$f" >>"$logs/kdoc-$p.keys"
	done < <(git -C "$tree" diff --name-only --diff-filter=AM "$c~1" "$c" -- '*.c' '*.h')
	sort -o "$logs/kdoc-base-$p.keys" "$logs/kdoc-base-$p.keys"
	sort -o "$logs/kdoc-$p.keys" "$logs/kdoc-$p.keys"
	new_keys "kernel-doc -none (files the patch touches)" "$logs/kdoc-base-$p.keys" "$logs/kdoc-$p.keys" "$logs/kdoc-$p.keys"
	ok
done

# Series-wide: uAPI compatibility, documentation, maintainers.
stage "series: uAPI, documentation, maintainers"
(cd "$tree" && ABIDIFF="$here/abidiff.sh" scripts/check-uapi.sh -b HEAD -p base -j "$(nproc)" \
	-l "$logs/check-uapi-errors.log") >"$logs/check-uapi.log" 2>&1 ||
	{ check_line "check-uapi.sh against base" FAILED; tail -n 20 "$logs/check-uapi.log"; die "uAPI broken" "$logs/check-uapi.log"; }
check_line "check-uapi.sh against base" "ok ($(tail -n 1 "$logs/check-uapi.log"))"
# src/patched is at HEAD after the last patch's build
{ make -s -C "$base_src" O="$cache/out/base" headers_install &&
	make -s -C "$cache/src/patched" O="$cache/out/patched" headers_install; } >"$logs/headers.log" 2>&1 ||
	die "headers_install" "$logs/headers.log"
"$here/uapi-layout.sh" "$tree" "$cache/out/base/usr/include" "$cache/out/patched/usr/include" \
	>"$logs/uapi-layout.log" 2>&1 ||
	{ check_line "uAPI layouts and macros (pahole)" FAILED; cat "$logs/uapi-layout.log"; die "uAPI layout changed" "$logs/uapi-layout.log"; }
check_line "uAPI layouts and macros (pahole)" "ok ($(tail -n 1 "$logs/uapi-layout.log"))"
if [ -f "$tree/Documentation/driver-api/vfio-pci-pm.rst" ]; then
	"$here/docs-check.sh" "$tree" "$base_src" "$top/build/docs" >"$logs/docs.log" 2>&1 ||
		{ check_line "Sphinx build of vfio-pci-pm.rst" FAILED; cat "$logs/docs.log"; die "documentation build" "$logs/docs.log"; }
	check_line "Sphinx build of vfio-pci-pm.rst" "ok (no new warnings; build/docs/index.html)"
fi
if [ ${#commits[@]} -gt 0 ]; then
	(cd "$tree" && scripts/get_maintainer.pl --no-git --no-git-fallback --no-rolestats \
		"${files[@]/#/$top/patches/}") >"$logs/get_maintainer.log" 2>&1 || true
	if ! grep -q 'Alex Williamson' "$logs/get_maintainer.log" || ! grep -q 'kvm@vger.kernel.org' "$logs/get_maintainer.log"; then
		check_line "get_maintainer.pl on the series" FAILED
		cat "$logs/get_maintainer.log"
		die "get_maintainer.pl does not name the VFIO maintainer and list" "$logs/get_maintainer.log"
	fi
	check_line "get_maintainer.pl on the series" "ok ($(paste -sd, "$logs/get_maintainer.log" | sed 's/,/, /g'))"
fi
ok
fi

# --- b. the patched kernel and the selftests -------------------------------
stage "patched kernel${kflags:+ (KASAN)}"
"$here/build-kernel.sh" "${kflags[@]}" >"$logs/build-patched.log" 2>&1 || die "patched kernel build" "$logs/build-patched.log"
ok
stage "patched kernel with CONFIG_PM=n"
"$here/build-kernel.sh" --no-pm >"$logs/build-nopm.log" 2>&1 || die "CONFIG_PM=n build" "$logs/build-nopm.log"
ok
if [ $kasan = 0 ]; then
	stage "nested guest's kernel (L2: base source, config/l2.config)"
	"$here/build-kernel.sh" --l2 >"$logs/build-l2.log" 2>&1 || die "L2 kernel build" "$logs/build-l2.log"
	ok
fi
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
# Every selftest on every device, in every IOMMU mode, default topology; then
# the power-management tests again in one IOMMU mode (their subject does
# not depend on it, and every mode ran in the default topology): with
# runtime-PM capable root ports (the port must then suspend with its
# child), on the emulated D3cold platform (igb has ACPI power resources;
# the D3cold cases must run), and on the CONFIG_PM=n kernel (PMCSR writes
# take the direct path).  Each guest has its own emulated devices, so igb's
# longest test (vfio_pci_driver_test, ~9 minutes under TCG) gets a guest of
# its own in the background while the other guests run one after the
# other next to it: two guests keep the two cores busy.
stage "guests: igb's vfio_pci_driver_test in the background; the others next to it"
"$here/initramfs.sh" >/dev/null || die "initramfs"
nopm_kernel=$cache/out/patched-nopm/arch/x86/boot/bzImage
plain=VFIO_PM_EXPECT_D3COLD=0
# vfio_pci_pm_stress_test: 15 s of concurrent stress per IOMMU mode and
# device here (60 s by default, make stress), PMCSR sweep subset
stress=VFIO_PM_STRESS_SECONDS=15
one_mode=VFIO_PM_TEST_ARGS="-v iommufd"
# Under KASAN the default-topology guests run one IOMMU mode too
all_modes=()
[ $kasan = 1 ] && all_modes=("$one_mode")
# Under KASAN (make check KASAN=1) only the power-management tests run: the
# upstream tests do not exercise the series, and igb's driver test alone
# would take half an hour.
[ $kasan = 1 ] && tests=("${pmtests[@]}")
long=() rest=()
for t in "${tests[@]}"; do
	case $t in vfio_pci_driver_test) long+=("$t") ;; *) rest+=("$t") ;; esac
done
if [ ${#long[@]} -gt 0 ]; then
	boot_guest igb-driver default "$kernel" VFIO_PM_ONLY=igb VFIO_PM_TEST_TIMEOUT=1200 $plain $stress -- "${long[@]}" &
	long_pid=$!
fi
boot_guest igb default "$kernel" VFIO_PM_ONLY=igb $plain $stress "${all_modes[@]}" -- "${rest[@]}"
boot_guest nvme default "$kernel" VFIO_PM_ONLY=nvme $plain $stress "${all_modes[@]}" -- "${tests[@]}"
boot_guest e1000e default "$kernel" VFIO_PM_ONLY=e1000e $plain $stress "${all_modes[@]}" -- "${tests[@]}"
if [ ${#pmtests[@]} -gt 0 ]; then
	boot_guest portpm portpm "$kernel" VFIO_PM_EXPECT_PORT_SUSPEND=1 $plain "$one_mode" $stress -- "${pmtests[@]}"
	boot_guest d3cold d3cold "$kernel" VFIO_PM_ONLY=igb VFIO_PM_EXPECT_D3COLD=1 "$one_mode" $stress -- "${pmtests[@]}"
	boot_guest nopm nopm "$nopm_kernel" VFIO_PM_ONLY=nvme "$one_mode" $stress -- "${pmtests[@]}"
	# A device that refuses D3hot (i82559er: PowerState ignores writes):
	# what the user reads back and the gating must agree.
	boot_guest nod3 nod3 "$kernel" VFIO_PM_ONLY=i82559er \
		"VFIO_PM_TEST_ARGS=-r vfio_pci_pm_test.iommufd.readback_matches_state" -- vfio_pci_pm_test
fi
# Faults around a device held in D3 (guest/faults.sh), on the D3cold
# platform, with kmemleak on.
tools=$("$here/build-tools.sh" 2>"$logs/tools-build.log") || die "tools build" "$logs/tools-build.log"
faults_start=$(date +%s)
"$here/faults.sh" --kernel "$kernel" --results "$logs/vm-faults" --tools "$tools" --bin "$bin" >"$logs/vm-faults.out" 2>&1
echo "$? $(($(date +%s) - faults_start))" >"$logs/vm-faults.rc"
# QEMU in the guest assigns igb, then nvme, to a nested guest that writes
# PMCSR (guest/nested.sh): the host side must runtime-suspend the device
# and its port while the nested guest holds D3hot.  Not under KASAN (a
# KASAN kernel under TCG in TCG would take most of an hour).
if [ $kasan = 0 ]; then
	l2_initrd=$("$here/l2-initramfs.sh" 2>"$logs/l2-initramfs.log") || die "nested guest's initramfs" "$logs/l2-initramfs.log"
	l2_kernel=$cache/out/l2/arch/x86/boot/bzImage
	nested_start=$(date +%s)
	"$here/vm.sh" --kernel "$kernel" --topology portpm --results "$logs/vm-nested" --timeout 1500 --stall 600 \
		-- env VFIO_PM_L2_KERNEL="$l2_kernel" "$top/guest/nested.sh" "$l2_initrd" "$bin" igb nvme >"$logs/vm-nested.out" 2>&1
	echo "$? $(($(date +%s) - nested_start))" >"$logs/vm-nested.rc"
fi
[ ${#long[@]} -gt 0 ] && wait "$long_pid"
ok "all guests finished"
[ ${#long[@]} -gt 0 ] && finish_guest igb-driver default
finish_guest igb default
finish_guest nvme default
finish_guest e1000e default
if [ ${#pmtests[@]} -gt 0 ]; then
	finish_guest portpm portpm
	finish_guest d3cold d3cold
	finish_guest nopm nopm
	finish_guest nod3 nod3
fi
stage "guest faults (d3cold topology): SIGKILL in D3hot/D3cold, disable_idle_d3, SR-IOV, hot-unplug, kmemleak"
sed 's/^/   /' "$logs/vm-faults.out" | grep -v '^   vm:'
read -r rc secs <"$logs/vm-faults.rc"
[ "$rc" = 0 ] || die "faults run failed (exit $rc)" "$logs/vm-faults.out"
"$here/scan-log.sh" "$logs/vm-faults/console.log" "$logs/vm-faults/dmesg.txt" >"$logs/scan-faults.log" ||
	{ cat "$logs/scan-faults.log"; die "guest kernel log has a report" "$logs/vm-faults/console.log"; }
printf '   ok: faults run took %ds; log clean\n' "$secs"
dirs+=("$logs/vm-faults/faults")
if [ $kasan = 0 ]; then
stage "guest nested (portpm topology): QEMU in the guest assigns igb and nvme to a nested guest"
sed 's/^/   /' "$logs/vm-nested.out" | grep -v '^   vm:'
read -r rc secs <"$logs/vm-nested.rc"
[ "$rc" = 0 ] || die "nested walk-through failed (exit $rc)" "$logs/vm-nested.out"
"$here/scan-log.sh" "$logs/vm-nested/console.log" "$logs/vm-nested/dmesg.txt" "$logs"/vm-nested/nested/*-l2-console.log \
	>"$logs/scan-nested.log" || { cat "$logs/scan-nested.log"; die "a guest kernel log (L1 or L2) has a report" "$logs/scan-nested.log"; }
printf '   ok: nested run took %ds; L1 and L2 logs clean\n' "$secs"
dirs+=("$logs/vm-nested/nested")
fi

# The emulated D3cold platform works without the series: on the base kernel
# igb reaches D3cold when idle and with LOW_POWER_ENTRY.
stage "D3cold platform on the unpatched base"
"$here/vm.sh" --base --topology d3cold --results "$logs/vm-base-d3cold" --timeout 600 \
	-- "$top/guest/d3cold-proof.sh" "$tools" >"$logs/base-d3cold.out" 2>&1 ||
	{ cat "$logs/base-d3cold.out"; die "igb does not reach D3cold on the base" "$logs/base-d3cold.out"; }
sed 's/^/   /' "$logs/base-d3cold.out" | grep -v '^   vm:'
"$here/scan-log.sh" "$logs/vm-base-d3cold/console.log" >"$logs/scan-base-d3cold.log" ||
	{ cat "$logs/scan-base-d3cold.log"; die "base guest kernel log has a report" "$logs/vm-base-d3cold/console.log"; }
ok "igb reaches D3cold on the base"

# --- d. results -------------------------------------------------------------
stage "results"
"$here/tap-report.py" "${dirs[@]}" >"$logs/report.txt"
trc=$?
sed '$d' "$logs/report.txt" | sed '/^$/d'
[ $stalls -gt 0 ] && echo "check: $stalls guest stall(s) retried (see README, known TCG stall)"
printf 'check: %s in %ds\n' "$([ $trc = 0 ] && echo passed || echo FAILED)" $(($(date +%s) - t0))
tail -n 1 "$logs/report.txt"
exit $trc
