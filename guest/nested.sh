#!/bin/bash
# Runs in the bench guest (L1, through scripts/vm.sh): QEMU from the host
# root assigns igb, then nvme, to a nested guest (L2) with -device vfio-pci.
# L2 (guest/l2-init, tools/l2pm.c) drives the device through its PM
# capability; after each of its steps L1 records what the host side sees
# for the device and its root port, then lets L2 go on.  igb's QEMU is
# killed while L2 holds the device in D3hot, nvme's L2 powers off in D3hot;
# then the device is bound to vfio-pci again and a plain selftest runs on it.
#
#   nested.sh L2-INITRAMFS SELFTESTS-BINDIR [DEVICE...]
#
# Writes $VFIO_PM_RESULTS/nested/<device>.tsv (the timeline), a TAP file per
# device (nested_walk@<device>.tap) and prints the timeline.  On the base
# kernel the runtime-PM checks are reported as the known difference (SKIP),
# not failed.
#
# With VFIO_PM_NESTED_QEMU=PATH (the QEMU reference series, qemu-patches/)
# it is the guest-driven D3cold walk instead: that QEMU assigns the device
# with x-acpi-pm=on, L2's own ACPI powers it off (_OFF, after vfio-pci in
# L2 runtime suspends it) and on again (_ON, when L2 unbinds it); TAP file
# nested_d3cold@<device>.tap, timeline <device>-d3cold.tsv.
set -u
initrd=$1 bin=$2
shift 2
qemu=${VFIO_PM_NESTED_QEMU:-qemu-system-x86_64}
mode=pmcsr
[ -n "${VFIO_PM_NESTED_QEMU:-}" ] && mode=d3cold
devices=("$@")
[ ${#devices[@]} -gt 0 ] || devices=(igb nvme)
out=$VFIO_PM_RESULTS/nested
[ $mode = d3cold ] && out=$VFIO_PM_RESULTS/nested-d3cold
rm -rf "$out"
mkdir -p "$out"
# L2 boots its own small kernel (scripts/build-kernel.sh --l2) when given
kernel=${VFIO_PM_L2_KERNEL:-$VFIO_PM_KERNEL}
variant=${VFIO_PM_VARIANT:-patched}
declare -A ids=([igb]=8086:10c9 [nvme]=1b36:0010 [e1000e]=8086:10d3)
# A BAR0 register that reads non-zero in D0: igb/e1000e STATUS, nvme CAP.
declare -A regs=([igb]=0x8 [nvme]=0x0 [e1000e]=0x8)
# A BAR0 register that keeps what is written: igb/e1000e RDBAL0, nvme ASQ.
declare -A scratch=([igb]=0xc000 [nvme]=0x28 [e1000e]=0x2800)
# How the run ends while L2 holds D3hot.
declare -A ends=([igb]=kill [nvme]=poweroff [e1000e]=kill)
qemu_version=$("$qemu" --version | sed -n '1s/.*version \([^ ]*\).*/\1/p')
echo "nested: L1 kernel $(uname -r) ($variant), QEMU $qemu_version${VFIO_PM_NESTED_QEMU:+ with the QEMU series (x-acpi-pm=on)} in L1, L2 kernel ${VFIO_PM_L2_KERNEL:+the L2 build }$kernel, TCG"

ms() { date +%s%3N; }

# One TSV row of what L1 sees: device power state / runtime status /
# total runtime-suspended time (ms) / PMCSR (sysfs config), port state.
# The port is read before PMCSR: a sysfs config read resumes the port (it
# suspends again 100 ms after, its autosuspend delay), so wait for it.
l1_view() { # bdf
	local d=/sys/bus/pci/devices/$1 port p dp drt prt pps i
	port=$(basename "$(dirname "$(readlink -f "$d")")")
	p=/sys/bus/pci/devices/$port
	dp=$(cat "$d/power_state") drt=$(cat "$d/power/runtime_status")
	for i in $(seq 30); do
		prt=$(cat "$p/power/runtime_status")
		[ "$drt" = suspended ] && [ "$prt" != suspended ] || break
		sleep 0.1
	done
	pps=$(cat "$p/power_state")
	printf '%s\t%s\t%s\t%s\t%s\t%s' "$dp" "$drt" \
		"$(cat "$d/power/runtime_suspended_time")" \
		"$(setpci -s "$1" CAP_PM+4.w 2>/dev/null || echo -)" \
		"$pps" "$prt"
}

ntap=0
tap() { # file ok|fail|known name [comment]
	ntap=$((ntap + 1))
	case $2 in
	ok) echo "ok $ntap $3" ;;
	fail) echo "# $4"; echo "not ok $ntap $3" ;;
	known) echo "ok $ntap $3 # SKIP known difference on the unpatched base: $4" ;;
	esac >>"$1"
}
# A check that the series makes hold: on the base it is the known difference.
check_pm() { # file name condition-result comment
	if [ "$3" = 0 ]; then
		tap "$1" ok "$2"
	elif [ "$variant" = base ]; then
		tap "$1" known "$2" "$4"
	else
		tap "$1" fail "$2" "$4"
	fi
}
check() { # file name condition-result comment
	if [ "$3" = 0 ]; then tap "$1" ok "$2"; else tap "$1" fail "$2" "$4"; fi
}
field() { # "key=value ..." key
	sed -n "s/.*\b$2=\([^ ]*\).*/\1/p" <<<"$1"
}

# The D3cold walk's checks: L2's _OFF puts the device in D3cold in L1,
# _ON brings it back to D0 with its state lost, and both sides stay clean.
d3cold_checks() {
	local b=${l2[boot]:-} m=${l2[marker]:-} c=${l2[d3cold]:-} d0=${l2[d0]:-}
	check "$tapf" l2_reached_init "$([ -n "$b" ]; echo $?)" "L2 did not report its boot"
	check "$tapf" l2_marker_written "$([ "$(field "$m" marker)" = ok ]; echo $?)" "marker: $(field "$m" marker)"
	if [ "$variant" = base ]; then
		# A host kernel without VFIO_DEVICE_FEATURE_POWER_POLICY: QEMU
		# says so and offers no power resource, L2 keeps the device
		# in D3hot and its state.
		local nofeat="x-acpi-pm: the host kernel has no VFIO_DEVICE_FEATURE_POWER_POLICY"
		check "$tapf" l1_qemu_warns_no_feature "$(grep -q "$nofeat" "$out/$name-qemu.log"; echo $?)" "QEMU: $(head -n 3 "$out/$name-qemu.log")"
		check "$tapf" l2_no_d3cold_without_feature "$([ "$(field "$c" power_state)" = D3hot ]; echo $?)" "L2 sees power_state=$(field "$c" power_state)"
		check "$tapf" l1_device_not_d3cold "$([ -n "$(get d3cold 4)" ] && [ "$(get d3cold 4)" != D3cold ]; echo $?)" "L1 sees $(get d3cold 4)"
		check "$tapf" l2_state_kept_without_feature "$([ "$(field "$d0" marker)" = kept ]; echo $?)" "marker $(field "$d0" marker)"
		check "$tapf" l2_device_works_in_d0 "$([ "$(field "$d0" scratch)" = ok ]; echo $?)" "BAR register write/read back: $(field "$d0" scratch)"
		check "$tapf" l2_powered_off "$([ "$qrc" = 0 ]; echo $?)" "QEMU exit status $qrc"
		check "$tapf" l1_next_user_selftest "$strc" "vfio_pci_device_test on the device after release: exit $strc"
		check "$tapf" l1_qemu_log_clean "$(! grep -v "$nofeat" "$out/$name-qemu.log" | grep -qiE 'error|warn'; echo $?)" "QEMU: $(head -n 3 "$out/$name-qemu.log")"
		checks_end " (D3cold walk, base kernel)"
		return
	fi
	check "$tapf" l2_device_d3cold "$([ "$(field "$c" power_state)" = D3cold ]; echo $?)" "L2 sees power_state=$(field "$c" power_state)"
	check "$tapf" l1_device_d3cold "$([ "$(get d3cold 4)" = D3cold ]; echo $?)" "L1 sees $(get d3cold 4)"
	check "$tapf" l1_device_runtime_suspended_in_d3cold "$([ "$(get d3cold 5)" = suspended ]; echo $?)" "L1 sees runtime_status=$(get d3cold 5)"
	check "$tapf" l2_device_d0_after_on "$([ "$(field "$d0" power_state)" = D0 ]; echo $?)" "L2 sees power_state=$(field "$d0" power_state) after _ON"
	check "$tapf" l2_pmcsr_reads_d0 "$([ -n "$d0" ] && [ $(($(field "$d0" pmcsr) & 3)) = 0 ]; echo $?)" "L2 reads PMCSR $(field "$d0" pmcsr)"
	check "$tapf" l2_state_lost "$([ "$(field "$d0" marker)" = lost ]; echo $?)" "marker $(field "$d0" marker) across D3cold"
	check "$tapf" l2_device_works_in_d0 "$([ "$(field "$d0" scratch)" = ok ]; echo $?)" "BAR register write/read back: $(field "$d0" scratch)"
	check "$tapf" l1_device_d0_active "$([ "$(get d0 4)/$(get d0 5)" = D0/active ]; echo $?)" "L1 sees $(get d0 4)/$(get d0 5)"
	check "$tapf" l2_powered_off "$([ "$qrc" = 0 ]; echo $?)" "QEMU exit status $qrc"
	check "$tapf" l1_device_idle_after_release "$(case $(get idle_again 4)/$(get idle_again 5) in D3hot/suspended|D3cold/suspended) echo 0 ;; *) echo 1 ;; esac)" "L1 sees $(get idle_again 4)/$(get idle_again 5)"
	check "$tapf" l1_next_user_selftest "$strc" "vfio_pci_device_test on the device after release: exit $strc"
	# The bad input: _OFF in D0 and _ON while on leave _STA on, a repeated
	# _OFF leaves it off, and QEMU says so for both _OFF, nothing else
	check "$tapf" l2_bad_input_sta_consistent "$([ "$(field "${l2[bad_input]:-}" sta)/$(field "$c" sta)/$(field "$d0" sta)" = 111/00/1 ]; echo $?)" "_STA read $(field "${l2[bad_input]:-}" sta) (D0: _OFF, _ON), $(field "$c" sta) (D3cold: repeated _OFF), $(field "$d0" sta) (after _ON); expected 111/00/1"
	check "$tapf" l1_qemu_warns_bad_input "$(grep -q "_OFF while the device is not in D3hot" "$out/$name-qemu.log" && grep -q "_OFF while already off" "$out/$name-qemu.log"; echo $?)" "QEMU's log lacks a warning: $(head -n 3 "$out/$name-qemu.log")"
	check "$tapf" l1_qemu_log_clean "$(! grep -vE "_OFF while the device is not in D3hot|_OFF while already off" "$out/$name-qemu.log" | grep -qiE 'error|warn'; echo $?)" "QEMU: $(head -n 3 "$out/$name-qemu.log")"
	checks_end " (D3cold walk)"
}
# L2's log scanned, the TAP file finished, its summary and the timeline
checks_end() { # what-after-the-name extra-summary
	"$VFIO_PM_TOP/scripts/scan-log.sh" "$out/$name-l2-console.log" >"$out/$name-l2-scan.log" 2>&1
	check "$tapf" l2_log_clean $? "L2's kernel log has a report: $(head -n 3 "$out/$name-l2-scan.log")"
	sed -i "1i TAP version 13\n1..$ntap" "$tapf"
	if grep -q '^not ok' "$tapf"; then
		rc_all=1
		echo 1 >"${tapf%.tap}.rc"
	else
		echo 0 >"${tapf%.tap}.rc"
	fi
	echo "nested: $name$1: $(grep -c '^ok' "$tapf") ok, $(grep -c '^not ok' "$tapf") not ok${2:-}"
	column -t -s $'\t' "$tsv" | sed 's/^/  /'
}

rc_all=0
for name in "${devices[@]}"; do
	var=VFIO_PM_BDF_$name
	bdf=${!var:-}
	[ -n "$bdf" ] || { echo "nested: no $name device"; rc_all=1; continue; }
	tsv=$out/$name.tsv tapf=$out/nested_walk@$name.tap
	[ $mode = d3cold ] && tsv=$out/$name-d3cold.tsv tapf=$out/nested_d3cold@$name.tap
	ntap=0
	: >"$tapf"
	printf 't_ms\tstep\tl2\tdev_power\tdev_runtime\tdev_suspended_ms\tl1_pmcsr\tport_power\tport_runtime\n' >"$tsv"
	row() { # step l2-text
		printf '%s\t%s\t%s\t%s\n' "$(($(ms) - t0))" "$1" "$2" "$(l1_view "$bdf")" >>"$tsv"
	}
	get() { # step column(1-based in tsv)
		awk -F'\t' -v s="$1" -v c="$2" '$2 == s { print $c; exit }' "$tsv"
	}
	t0=$(ms)
	row idle "-"
	end=${ends[$name]}
	work=/tmp/nested-$name
	rm -rf "$work"
	mkdir -p "$work"
	mkfifo "$work/ctl.in" "$work/ctl.out"
	exec 3<>"$work/ctl.out" 4<>"$work/ctl.in"
	l2args= devopt=
	if [ $mode = d3cold ]; then
		# x-acpi-pm's I/O port of the first device: 0xe00
		l2args="l2pm.mode=d3cold l2pm.port=0xe00 vfio.enable_unsafe_noiommu_mode=1"
		devopt=,x-acpi-pm=on
		end=poweroff
	fi
	# The series' QEMU runs from its build directory: name Debian's
	# firmware directory (-L), which it would look for relative to itself
	# (-d guest_errors: QEMU logs the guest's bad input to the power
	# resource)
	"$qemu" ${VFIO_PM_NESTED_QEMU:+-L /usr/share/qemu -d guest_errors} -machine q35 -accel tcg,thread=single -cpu max -smp 1 -m 256M \
		-nodefaults -display none -vga none -no-reboot -monitor none -bios /usr/share/qemu/qboot.rom \
		-kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0,115200 panic=-1 loglevel=4 l2pm.id=${ids[$name]} l2pm.bar=${regs[$name]} l2pm.scratch=${scratch[$name]} $l2args" \
		-serial file:"$out/$name-l2-console.log" -chardev pipe,id=ctl,path="$work/ctl" \
		-serial chardev:ctl -device vfio-pci,host="$bdf"$devopt \
		>"$out/$name-qemu.log" 2>&1 &
	qpid=$!
	declare -A l2=()
	steps=()
	while :; do
		if ! IFS= read -r -t 600 line <&3; then
			echo "nested: $name: no word from L2 for 600 s"
			break
		fi
		line=${line%$'\r'}
		case $line in
		STEP\ *)
			set -- $line
			s=$2
			shift 2
			l2[$s]="$*"
			steps+=("$s")
			alive=0
			kill -0 "$qpid" 2>/dev/null && alive=1
			row "$s" "$* qemu_alive=$alive"
			if [ "$s" = hold ]; then
				[ "$end" = kill ] && break
				echo poweroff >&4
				break
			fi
			echo ok >&4
			;;
		FAIL\ *) echo "nested: $name: L2: $line"; break ;;
		esac
	done
	# (stderr off: no "Killed" notice from the shell)
	{
		if [ "$end" = kill ] && [ "${steps[-1]:-}" = hold ]; then
			kill -9 "$qpid"
		fi
		# A QEMU that did not finish in time is killed too.
		for _ in $(seq 120); do kill -0 "$qpid" || break; sleep 1; done
		kill -9 "$qpid"
		wait "$qpid"
		qrc=$?
	} 2>/dev/null
	exec 3>&- 4>&-
	row "released" "qemu_exit=$qrc"
	# vfio-pci takes an unused device back to (runtime-suspended) D3hot.
	sleep 2
	row "idle_again" "-"
	# The next user: bind to vfio-pci again, run a plain selftest.
	echo "$bdf" >/sys/bus/pci/drivers/vfio-pci/unbind
	echo "$bdf" >/sys/bus/pci/drivers/vfio-pci/bind
	st=$out/vfio_pci_device_test@$name
	"$bin/vfio_pci_device_test" "$bdf" >"$st.tap" 2>&1
	strc=$?
	echo "$strc" >"$st.rc"
	row "rebound_selftest" "vfio_pci_device_test_rc=$strc $(grep -o '^# Totals.*' "$st.tap" | sed 's/^# //; s/ /_/g')"

	# The checks.
	if [ $mode = d3cold ]; then
		d3cold_checks
		continue
	fi
	b=${l2[boot]:-} d3=${l2[d3hot]:-} d0=${l2[d0]:-} rs=${l2[kernel_pm_reset]:-} h=${l2[hold]:-}
	check "$tapf" l2_reached_init "$([ -n "$b" ]; echo $?)" "L2 did not report its boot"
	bar0=$(field "$b" bar)
	check "$tapf" l2_bar_reads_in_d0 "$([ -n "$bar0" ] && [ $((bar0)) != 0 ]; echo $?)" "BAR register reads ${bar0:-nothing}"
	check "$tapf" l2_pmcsr_reads_d3hot "$([ -n "$d3" ] && [ $(($(field "$d3" pmcsr) & 3)) = 3 ]; echo $?)" "L2 reads PMCSR $(field "$d3" pmcsr)"
	check "$tapf" l2_bar_unmapped_in_d3hot "$([ -n "$d3" ] && [ $(($(field "$d3" bar))) = 0 ]; echo $?)" "BAR register reads $(field "$d3" bar) in D3hot"
	check "$tapf" l1_qemu_alive_in_d3hot "$([ "$(field "$(get d3hot 3)" qemu_alive)" = 1 ]; echo $?)" "L1's QEMU died"
	check "$tapf" l1_device_d3hot "$([ "$(get d3hot 4)" = D3hot ]; echo $?)" "L1 sees $(get d3hot 4)"
	check "$tapf" l1_pmcsr_d3hot "$(p=$(get d3hot 7); [ "$p" != - ] && [ $((0x$p & 3)) = 3 ]; echo $?)" "L1 reads PMCSR $(get d3hot 7) from the device"
	check_pm "$tapf" l1_device_runtime_suspended_in_d3hot "$([ "$(get d3hot 5)" = suspended ]; echo $?)" "runtime_status=$(get d3hot 5) while L2 holds D3hot"
	if [ "${VFIO_PM_EXPECT_PORT_SUSPEND:-0}" = 1 ]; then
		check_pm "$tapf" l1_port_suspended_in_d3hot "$([ "$(get d3hot 9)" = suspended ]; echo $?)" "port runtime_status=$(get d3hot 9) while L2 holds D3hot"
	fi
	check "$tapf" l2_pmcsr_reads_d0 "$([ -n "$d0" ] && [ $(($(field "$d0" pmcsr) & 3)) = 0 ]; echo $?)" "L2 reads PMCSR $(field "$d0" pmcsr)"
	check "$tapf" l2_bar_back_in_d0 "$([ -n "$d0" ] && [ "$(field "$d0" bar)" = "$bar0" ]; echo $?)" "BAR register reads $(field "$d0" bar), was $bar0"
	check "$tapf" l2_device_works_in_d0 "$([ "$(field "$d0" scratch)" = ok ]; echo $?)" "BAR register write/read back: $(field "$d0" scratch)"
	check "$tapf" l1_device_d0_active "$([ "$(get d0 4)/$(get d0 5)" = D0/active ]; echo $?)" "L1 sees $(get d0 4)/$(get d0 5)"
	if [ "$(field "$b" nosoftrst)" = 0 ]; then
		check "$tapf" l2_kernel_pm_reset "$([ "$(field "$rs" result)" = done ]; echo $?)" "L2's PM reset: $(field "$rs" result)"
		delta=$(($(get kernel_pm_reset 6) - $(get d0 6)))
		check_pm "$tapf" l1_pm_reset_went_through_runtime_suspend "$([ $delta -gt 0 ]; echo $?)" "runtime_suspended_time grew by ${delta} ms during L2's PM reset"
		check "$tapf" l2_bar_reads_after_pm_reset "$([ $(($(field "$rs" bar))) != 0 ]; echo $?)" "BAR register reads $(field "$rs" bar) after the reset"
	else
		check "$tapf" l2_no_pm_reset_for_nosoftrst "$([ "$(field "$rs" result)" = not_offered ]; echo $?)" "L2's PM reset of a NoSoftRst+ device: $(field "$rs" result)"
	fi
	check "$tapf" l1_device_d3hot_on_hold "$([ "$(get hold 4)" = D3hot ]; echo $?)" "L1 sees $(get hold 4)"
	check_pm "$tapf" l1_device_runtime_suspended_on_hold "$([ "$(get hold 5)" = suspended ]; echo $?)" "runtime_status=$(get hold 5)"
	if [ "$end" = kill ]; then
		check "$tapf" l1_qemu_killed_in_d3hot "$([ "$qrc" = 137 ]; echo $?)" "QEMU exit status $qrc"
	else
		check "$tapf" l2_powered_off_in_d3hot "$([ "$qrc" = 0 ]; echo $?)" "QEMU exit status $qrc"
	fi
	# Released, vfio-pci takes the unused device back to idle D3hot.
	check "$tapf" l1_device_idle_after_release "$(case $(get idle_again 4)/$(get idle_again 5) in D3hot/suspended|D3cold/suspended) echo 0 ;; *) echo 1 ;; esac)" "L1 sees $(get idle_again 4)/$(get idle_again 5)"
	check "$tapf" l1_next_user_selftest "$strc" "vfio_pci_device_test on the device after release: exit $strc"
	checks_end "" ", $(grep -c '# SKIP' "$tapf") known difference(s)"
done
exit $rc_all
