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
stage "platforms (config/topologies) and the README's table of them"
"$here/platforms.sh" --check "$top/README.md" >"$logs/platforms.log" 2>&1 ||
	{ cat "$logs/platforms.log"; die "README.md's platform table differs from config/topologies" "$logs/platforms.log"; }
ok "$(ls "$top/config/topologies" | grep -vc '[.]') platforms, the README's table matches"

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
	# A PCI or PM core patch: the drivers/pci and drivers/base/power
	# files it changes, compiled with W=1 and sparse on the base and at
	# this patch, the same comparison.
	mapfile -t pcic < <(git -C "$tree" diff --name-only --diff-filter=M "$c~1" "$c" -- \
		'drivers/pci/*.c' 'drivers/base/power/*.c')
	if [ ${#pcic[@]} -gt 0 ]; then
		pcio=("${pcic[@]/%.c/.o}")
		for v in base patched; do
			vsrc=$cache/src/$v
			[ $v = base ] && vsrc=$base_src
			(cd "$cache/out/$v-w1" && rm -f "${pcio[@]}")
			make -s -C "$vsrc" O="$cache/out/$v-w1" -j"$(nproc)" CC="ccache gcc" HOSTCC="ccache gcc" W=1 \
				C=1 CHECK="$here/sparse.sh" "${pcio[@]}" >"$logs/pci-$v-$p.log" 2>&1 ||
				die "W=1 build of ${pcio[*]} ($v)" "$logs/pci-$v-$p.log"
			for k in gcc sparse; do
				for d in drivers/pci drivers/base/power; do
					"$here/warn-keys.sh" --$k "$logs/pci-$v-$p.log" "$vsrc" $d
				done | sort >"$logs/pci-$k-$v-$p.keys"
			done
		done
		new_keys "W=1 ${pcic[*]}" "$logs/pci-gcc-base-$p.keys" "$logs/pci-gcc-patched-$p.keys" "$logs/pci-patched-$p.log"
		new_keys "sparse ${pcic[*]}" "$logs/pci-sparse-base-$p.keys" "$logs/pci-sparse-patched-$p.keys" "$logs/pci-patched-$p.log"
	fi
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
# Variant drivers that build only on other architectures (nvgrace-gpu)
python3 "$here/ops-check.py" "$tree" >"$logs/ops-check.log" 2>&1 ||
	{ check_line "variant drivers route POWER_POLICY (sources)" FAILED; cat "$logs/ops-check.log"; die "a variant driver lacks device_feature_no_resume" "$logs/ops-check.log"; }
check_line "variant drivers route POWER_POLICY (sources)" "ok ($(tail -n 1 "$logs/ops-check.log"))"
if [ -f "$tree/Documentation/driver-api/vfio-pci-pm.rst" ]; then
	"$here/docs-check.sh" "$tree" "$base_src" "$top/build/docs" >"$logs/docs.log" 2>&1 ||
		{ check_line "Sphinx build of vfio-pci-pm.rst" FAILED; cat "$logs/docs.log"; die "documentation build" "$logs/docs.log"; }
	check_line "Sphinx build of vfio-pci-pm.rst" "ok (no new warnings; build/docs/index.html)"
fi
if [ ${#commits[@]} -gt 0 ]; then
	(cd "$tree" && scripts/get_maintainer.pl --no-git --no-git-fallback --no-rolestats \
		"${files[@]/#/$top/patches/}") >"$logs/get_maintainer.log" 2>&1 || true
	if ! grep -q 'Alex Williamson' "$logs/get_maintainer.log" || ! grep -q 'kvm@vger.kernel.org' "$logs/get_maintainer.log" ||
		! grep -q 'linux-pm@vger.kernel.org' "$logs/get_maintainer.log"; then
		check_line "get_maintainer.pl on the series" FAILED
		cat "$logs/get_maintainer.log"
		die "get_maintainer.pl does not name the VFIO maintainer, kvm and linux-pm" "$logs/get_maintainer.log"
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
	# The QEMU reference series (qemu-patches/), in a scratch tree of the
	# cache as the kernel's: QEMU's checkpatch and a build at each patch.
	stage "QEMU reference series (qemu-patches/): checkpatch, qemu-system-x86_64 at each patch"
	qtree=$cache/qemu/src-series
	VFIO_PM_QEMU_TREE=$qtree FORCE=1 "$here/tree.sh" qemu >"$logs/qemu-tree.log" 2>&1 ||
		die "qemu-patches/ do not apply to QEMU 10.0.2" "$logs/qemu-tree.log"
	mapfile -t qcommits < <(git -C "$qtree" rev-list --reverse base..master)
	qn=0
	for c in "${qcommits[@]}"; do
		qn=$((qn + 1))
		q="patch $qn/${#qcommits[@]} ($(git -C "$qtree" log -1 --format=%s "$c" | cut -c1-40))"
		(cd "$qtree" && ./scripts/checkpatch.pl "$c~1..$c") >"$logs/qemu-checkpatch-$qn.log" 2>&1
		# A human submitter adds the Signed-off-by; nothing else may show
		if grep -E '^(ERROR|WARNING):' "$logs/qemu-checkpatch-$qn.log" |
			grep -qv '^ERROR: Missing Signed-off-by: line(s)$'; then
			check_line "$q: checkpatch" FAILED
			cat "$logs/qemu-checkpatch-$qn.log"
			die "QEMU checkpatch: patch $qn" "$logs/qemu-checkpatch-$qn.log"
		fi
		git -C "$qtree" checkout -q "$c"
		VFIO_PM_QEMU_TREE=$qtree "$here/build-qemu.sh" >"$logs/qemu-build-$qn.log" 2>&1 ||
			{ check_line "$q: build" FAILED; die "QEMU build at patch $qn" "$logs/qemu-build-$qn.log"; }
		check_line "$q" "ok (checkpatch: only the missing Signed-off-by; builds)"
	done
	git -C "$qtree" checkout -q master
	qemu_bin=$(VFIO_PM_QEMU_TREE=$qtree "$here/build-qemu.sh" 2>"$logs/qemu-build.log") ||
		die "QEMU build" "$logs/qemu-build.log"
	ok "$qemu_bin"
fi
stage "VFIO selftests build (patched tree, its own uAPI headers)"
bin=$("$here/build-selftests.sh" 2>"$logs/selftests-build.log") || die "selftests build" "$logs/selftests-build.log"
# The programs run_tests runs, and the one it leaves out but the guests
# run (the stress test)
mapfile -t tests < <(make -s -C "$cache/src/patched/tools/testing/selftests/vfio" -f Makefile -f - print-tests \
	<<<'print-tests: ; @echo $(TEST_GEN_PROGS) $(TEST_GEN_PROGS_EXTENDED)' 2>/dev/null |
	tr ' ' '\n' | sed 's#.*/##' | grep -v '^$')
[ ${#tests[@]} -gt 0 ] || die "no selftests found"
ok "${#tests[@]} test programs: ${tests[*]}"

# --- c. boot and run every selftest on every device --------------------------
kernel=$cache/out/patched/arch/x86/boot/bzImage
[ ${#kflags[@]} -gt 0 ] && kernel=$cache/out/patched-kasan/arch/x86/boot/bzImage
# Boot one guest and run selftests in it; its output goes to vm-NAME.out and
# its exit status to vm-NAME.rc, so a guest can also run in the background.
boot_guest() { # name tag platform kernel env-assignments -- tests...
	local name=$1 topo=$2 plat=$3 kernel=$4
	shift 4
	local envs=()
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	local try rc start
	start=$(date +%s)
	: >"$logs/vm-$name.out"
	for try in 1 2; do
		rm -rf "$logs/vm-$name"
		"$here/vm.sh" --kernel "$kernel" --topology "$plat" --results "$logs/vm-$name" --timeout 1500 \
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
# The stage of a guest run by another runner (@faults, @nested, @runner):
# its output, its exit status, its kernel logs (and @extra ones) scanned
finish_run() { # name title fail-message ok-format results-subdir [extra log...]
	local name=$1 title=$2 fail=$3 okfmt=$4 sub=$5 rc secs
	shift 5
	stage "guest $name (${g_plat[$name]} topology): $title"
	sed 's/^/   /' "$logs/vm-$name.out" | grep -v '^   vm:'
	read -r rc secs <"$logs/vm-$name.rc"
	[ "$rc" = 0 ] || die "$fail (exit $rc)" "$logs/vm-$name.out"
	"$here/scan-log.sh" "$logs/vm-$name/console.log" "$logs/vm-$name/dmesg.txt" "$@" >"$logs/scan-$name.log" ||
		{ cat "$logs/scan-$name.log"; die "a guest kernel log has a report" "$logs/scan-$name.log"; }
	# shellcheck disable=SC2059
	printf "   ok: $okfmt\n" "$secs"
	dirs+=("$logs/vm-$name/$sub")
}
dirs=()
stalls=0
pmtests=()
for t in "${tests[@]}"; do case $t in vfio_pci_pm*) pmtests+=("$t") ;; esac; done
# The guests come from config/check.guests (kernel, platform, lane, test
# programs, IOMMU modes, environment): two lanes, each running its guests
# one after the other; then each guest's stage prints, in the table's
# order.
stage "guests: two lanes, igb's vfio_pci_driver_test first in the background"
"$here/initramfs.sh" >/dev/null || die "initramfs"
one_mode=VFIO_PM_TEST_ARGS="-v iommufd"
# Under KASAN the guests that run every IOMMU mode run one
all_modes=()
[ $kasan = 1 ] && all_modes=("$one_mode")
# Under KASAN (make check KASAN=1) only the power-management tests run: the
# upstream tests do not exercise the series, and igb's driver test alone
# would take half an hour.
[ $kasan = 1 ] && tests=("${pmtests[@]}")
row_tests() { # tests-column: the programs of the series it names
	local t x
	case $1 in
	all) printf '%s\n' "${tests[@]}" ;;
	pm) [ ${#pmtests[@]} = 0 ] || printf '%s\n' "${pmtests[@]}" ;;
	rest) for t in "${tests[@]}"; do [ "$t" = vfio_pci_driver_test ] || echo "$t"; done ;;
	*) for t in ${1//,/ }; do for x in "${tests[@]}"; do [ "$x" = "$t" ] && echo "$t"; done; done ;;
	esac
}
declare -A g_kernel g_plat g_lane g_tests g_modes g_envs g_tag
guests=()
while read -r name kern plat lane rtests modes envs; do
	case $name in '' | '#'*) continue ;; esac
	case $kern in
	patched) g_kernel[$name]=$kernel ;;
	nopm) g_kernel[$name]=$cache/out/patched-nopm/arch/x86/boot/bzImage ;;
	base) g_kernel[$name]=$cache/out/base/arch/x86/boot/bzImage ;;
	*) die "config/check.guests: $name: unknown kernel $kern" ;;
	esac
	[ -f "$top/config/topologies/$plat" ] || die "config/check.guests: $name: unknown platform $plat"
	# Results are tagged with the platform, or the kernel when not patched
	g_tag[$name]=$plat
	[ "$kern" = nopm ] && g_tag[$name]=nopm
	case $rtests in
	@nested | @nested-d3cold | @runner) [ $kasan = 1 ] && continue ;;
	@*) ;;
	*)
		mapfile -t t < <(row_tests "$rtests")
		[ ${#t[@]} -gt 0 ] || continue
		g_tests[$name]=${t[*]} ;;
	esac
	[ "${rtests:0:1}" = @ ] && g_tests[$name]=$rtests
	g_plat[$name]=$plat g_lane[$name]=$lane g_modes[$name]=$modes g_envs[$name]=$envs
	guests+=("$name")
done <"$top/config/check.guests"
# The test programs and environment of a selftests guest
guest_args() { # name
	local name=$1 modes=${g_modes[$1]} e
	args=()
	for e in ${g_envs[$name]}; do args+=("$e"); done
	case $modes in
	all) args+=("${all_modes[@]}") ;;
	*.*.*) args+=(VFIO_PM_TEST_ARGS="-r $modes") ;;
	*) args+=(VFIO_PM_TEST_ARGS="-v ${modes//,/ -v }") ;;
	esac
	args+=(--)
	for e in ${g_tests[$name]}; do args+=("$e"); done
}
tools=
need_tools() {
	[ -n "$tools" ] && return
	tools=$("$here/build-tools.sh" 2>"$logs/tools-build.log") || die "tools build" "$logs/tools-build.log"
}
# What the other runners need, made here and not in a lane (a lane may be
# a background subshell, where die would stop only the lane)
for name in "${guests[@]}"; do
	case ${g_tests[$name]} in
	@faults | @proof) need_tools ;;
	@nested | @nested-d3cold)
		l2_initrd=$("$here/l2-initramfs.sh" 2>"$logs/l2-initramfs.log") || die "nested guest's initramfs" "$logs/l2-initramfs.log"
		l2_kernel=$cache/out/l2/arch/x86/boot/bzImage
		;;
	@runner)
		ksft=$("$here/build-selftests.sh" --install 2>"$logs/ksft-install.log") || die "kselftest install" "$logs/ksft-install.log"
		;;
	esac
done
# Run one guest of either lane; its output goes to vm-NAME.out and its exit
# status and seconds to vm-NAME.rc
run_guest() { # name
	local name=$1 start
	start=$(date +%s)
	case ${g_tests[$name]} in
	@faults)
		# Faults around a device held in D3 (guest/faults.sh), with
		# kmemleak on.
		"$here/faults.sh" --kernel "${g_kernel[$name]}" --topology "${g_plat[$name]}" --results "$logs/vm-$name" \
			--tools "$tools" --bin "$bin" >"$logs/vm-$name.out" 2>&1
		echo "$? $(($(date +%s) - start))" >"$logs/vm-$name.rc"
		;;
	@nested)
		# QEMU in the guest assigns igb, then nvme, to a nested guest that
		# writes PMCSR (guest/nested.sh).  Not under KASAN (a KASAN kernel
		# under TCG in TCG would take most of an hour).
		"$here/vm.sh" --kernel "${g_kernel[$name]}" --topology "${g_plat[$name]}" --results "$logs/vm-$name" --timeout 1500 --stall 600 \
			-- env VFIO_PM_L2_KERNEL="$l2_kernel" "$top/guest/nested.sh" "$l2_initrd" "$bin" igb nvme >"$logs/vm-$name.out" 2>&1
		echo "$? $(($(date +%s) - start))" >"$logs/vm-$name.rc"
		;;
	@nested-d3cold)
		# The QEMU series in the guest assigns igb with x-acpi-pm=on: the
		# nested guest's ACPI powers it off and on (guest/nested.sh).
		# On the base kernel QEMU offers no power resource.
		"$here/vm.sh" --kernel "${g_kernel[$name]}" $([ "${g_kernel[$name]}" = "$cache/out/base/arch/x86/boot/bzImage" ] && echo --base) \
			--topology "${g_plat[$name]}" --results "$logs/vm-$name" --timeout 900 --stall 600 \
			-- env VFIO_PM_L2_KERNEL="$l2_kernel" VFIO_PM_NESTED_QEMU="$qemu_bin" "$top/guest/nested.sh" "$l2_initrd" "$bin" igb >"$logs/vm-$name.out" 2>&1
		echo "$? $(($(date +%s) - start))" >"$logs/vm-$name.rc"
		;;
	@proof) ;;
	@runner)
		# The default programs through the kselftest runner, with the
		# vfio directory's settings (guest/ksft-runner.sh), on the
		# device(s) VFIO_PM_ONLY names, then the row's other programs
		"$here/vm.sh" --kernel "${g_kernel[$name]}" --topology "${g_plat[$name]}" --results "$logs/vm-$name" --timeout 1500 \
			-- env ${g_envs[$name]} "$top/guest/ksft-runner.sh" "${g_tag[$name]}" "$ksft" \
			$(for e in ${g_envs[$name]}; do case $e in VFIO_PM_ONLY=*) echo "${e#*=}" ;; esac; done) \
			>"$logs/vm-$name.out" 2>&1
		echo "$? $(($(date +%s) - start))" >"$logs/vm-$name.rc"
		;;
	*)
		guest_args "$name"
		boot_guest "$name" "${g_tag[$name]}" "${g_plat[$name]}" "${g_kernel[$name]}" "${args[@]}"
		;;
	esac
}
# The background lane: its guests one after the other, next to the
# foreground lane's (two guests keep the two cores busy)
bg_pids=()
(
	for name in "${guests[@]}"; do
		[ "${g_lane[$name]}" = bg ] && run_guest "$name"
	done
) &
bg_pids+=($!)
for name in "${guests[@]}"; do
	[ "${g_lane[$name]}" = fg ] && run_guest "$name"
done
for pid in "${bg_pids[@]}"; do wait "$pid"; done
ok "all guests finished"
for name in "${guests[@]}"; do
	plat=${g_plat[$name]}
	case ${g_tests[$name]} in
	@faults)
		finish_run "$name" "SIGKILL in D3hot/D3cold, disable_idle_d3, SR-IOV, hot-unplug, kmemleak" \
			"faults run failed" "faults run took %ds; log clean" faults
		;;
	@nested)
		finish_run "$name" "QEMU in the guest assigns igb and nvme to a nested guest" \
			"nested walk-through failed" "nested run took %ds; L1 and L2 logs clean" nested \
			"$logs"/vm-$name/nested/*-l2-console.log
		;;
	@nested-d3cold)
		finish_run "$name" "the QEMU series in the guest: a nested guest's ACPI powers igb off and on (x-acpi-pm)" \
			"nested D3cold walk failed" "nested D3cold run took %ds; L1 and L2 logs clean" nested-d3cold \
			"$logs"/vm-$name/nested-d3cold/*-l2-console.log
		;;
	@runner)
		finish_run "$name" "the default programs through the kselftest runner" \
			"a program failed or timed out under the kselftest runner" \
			"runner took %ds; every program inside its timeout; log clean" "${g_tag[$name]}"
		;;
	@proof)
		# The emulated D3cold platforms work without the series: on the
		# base kernel igb reaches D3cold when idle and with
		# LOW_POWER_ENTRY.
		stage "D3cold platform $([ "$plat" = d3cold ] || echo "$plat ")on the unpatched base"
		"$here/vm.sh" --kernel "${g_kernel[$name]}" --base --topology "$plat" --results "$logs/vm-$name" --timeout 600 \
			-- "$top/guest/d3cold-proof.sh" "$tools" >"$logs/$name.out" 2>&1 ||
			{ cat "$logs/$name.out"; die "igb does not reach D3cold on the base" "$logs/$name.out"; }
		sed 's/^/   /' "$logs/$name.out" | grep -v '^   vm:'
		"$here/scan-log.sh" "$logs/vm-$name/console.log" >"$logs/scan-$name.log" ||
			{ cat "$logs/scan-$name.log"; die "base guest kernel log has a report" "$logs/vm-$name/console.log"; }
		ok "igb reaches D3cold on the base"
		;;
	*) finish_guest "$name" "${g_tag[$name]}" ;;
	esac
done

# --- d. results -------------------------------------------------------------
stage "results"
"$here/tap-report.py" "${dirs[@]}" >"$logs/report.txt"
trc=$?
sed '$d' "$logs/report.txt" | sed '/^$/d'
[ $stalls -gt 0 ] && echo "check: $stalls guest stall(s) retried (see README, known TCG stall)"
printf 'check: %s in %ds\n' "$([ $trc = 0 ] && echo passed || echo FAILED)" $(($(date +%s) - t0))
tail -n 1 "$logs/report.txt"
exit $trc
