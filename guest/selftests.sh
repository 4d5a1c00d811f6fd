#!/bin/bash
# Runs in the guest (through scripts/vm.sh): every test binary given, on every
# emulated endpoint, each in all the IOMMU modes its fixtures declare.  TAP
# output goes to $VFIO_PM_RESULTS/<tag>/<test>@<device>.tap and the exit
# status to ...rc.  VFIO_PM_ONLY=<device name> limits the run to that device;
# VFIO_PM_TEST_ARGS are passed to every test program before the BDF (e.g.
# kselftest harness filters such as "-v iommufd").
#   selftests.sh TAG BINDIR TEST...
set -u
tag=$1 bin=$2
shift 2
out=$VFIO_PM_RESULTS/$tag
mkdir -p "$out"
for nb in $VFIO_PM_DEVICES; do
	name=${nb%%=*} bdf=${nb#*=}
	[ -n "${VFIO_PM_ONLY:-}" ] && [ "$VFIO_PM_ONLY" != "$name" ] && continue
	for t in "$@"; do
		f=$out/$t@$name
		start=$(date +%s.%N)
		# shellcheck disable=SC2086
		timeout -k 5 "${VFIO_PM_TEST_TIMEOUT:-600}" "$bin/$t" ${VFIO_PM_TEST_ARGS:-} "$bdf" >"$f.tap" 2>&1
		rc=$?
		end=$(date +%s.%N)
		echo "$rc" >"$f.rc"
		printf '%-36s %-7s rc=%-3s %6.1fs\n' "$t" "$name" "$rc" "$(echo "$end - $start" | bc)"
	done
done
