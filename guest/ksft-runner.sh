#!/bin/bash
# Runs in the guest (through scripts/vm.sh): the installed VFIO selftests
# (scripts/build-selftests.sh --install) through the kselftest runner, as
# "make -C tools/testing/selftests TARGETS=vfio run_tests" runs them: each
# default program once per device, with VFIO_SELFTESTS_BDF set to it and
# the timeout of the vfio directory's settings file.  Each program's TAP
# (without the runner's "# " prefix) and exit status go to
# $VFIO_PM_RESULTS/<tag>/<program>@<device>.tap and .rc, as
# guest/selftests.sh writes them, and its wall time is printed.  Then the
# programs in VFIO_PM_RUNNER_EXTRA (not run by run_tests) run directly.
# Fails if a program failed or timed out under the runner.
#   ksft-runner.sh TAG KSFT_DIR DEVICE...
set -u
tag=$1 ksft=$2
shift 2
out=$VFIO_PM_RESULTS/$tag
mkdir -p "$out"
timeout=$(sed -n 's/^timeout=//p' "$ksft/vfio/settings" 2>/dev/null)
echo "kselftest runner: timeout ${timeout:-45 (default)} s per program"
# The runner writes the programs' output to /dev/stdout, which the
# guest's devtmpfs lacks (udev makes it on a real host)
for fd in stdin:0 stdout:1 stderr:2; do
	[ -L "/dev/${fd%:*}" ] || { rm -f "/dev/${fd%:*}"; ln -s "/proc/self/fd/${fd#*:}" "/dev/${fd%:*}"; }
done
failed=0
for name in "$@"; do
	var=VFIO_PM_BDF_$name
	bdf=${!var:-}
	[ -n "$bdf" ] || { echo "runner: no device $name"; failed=1; continue; }
	for t in $("$ksft/run_kselftest.sh" -l); do
		prog=${t#vfio:}
		f=$out/$prog@$name
		start=$(date +%s.%N)
		# Appended to: the runner reopens /dev/stdout to append the
		# program's output, which must not be overwritten by its own
		# lines
		: >"$f.log"
		VFIO_SELFTESTS_BDF=$bdf "$ksft/run_kselftest.sh" -t "$t" >>"$f.log" 2>&1
		end=$(date +%s.%N)
		res=$(grep -E '^(not )?ok [0-9]+ selftests: vfio' "$f.log" | tail -n 1)
		# The program's own TAP, as the runner nests it
		sed -n '/^# selftests: vfio: /,/^\(not \)\?ok [0-9]* selftests: vfio/p' "$f.log" |
			sed '1d;$d' | sed 's/^# //' >"$f.tap"
		case $res in
		*"# SKIP"*) echo 4 >"$f.rc" ;;
		ok*) echo 0 >"$f.rc" ;;
		*) echo 1 >"$f.rc"; failed=1 ;;
		esac
		printf '%-36s %-7s %6.1fs  %s\n' "$prog" "$name" "$(echo "$end - $start" | bc)" \
			"$(echo "${res:-no result}" | sed 's/ selftests: vfio: [^ ]*//')"
	done
	for prog in ${VFIO_PM_RUNNER_EXTRA:-}; do
		f=$out/$prog@$name
		start=$(date +%s.%N)
		timeout -k 5 600 "$ksft/vfio/$prog" "$bdf" >"$f.tap" 2>&1
		echo $? >"$f.rc"
		end=$(date +%s.%N)
		printf '%-36s %-7s %6.1fs  rc=%s (run directly)\n' "$prog" "$name" \
			"$(echo "$end - $start" | bc)" "$(cat "$f.rc")"
	done
done
exit $failed
