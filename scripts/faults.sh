#!/usr/bin/env bash
# Faults around a device the user holds in D3 (guest/faults.sh), on the
# emulated D3cold platform: SIGKILL in D3hot and D3cold, disable_idle_d3
# changed between open and close, SR-IOV enabled in D3hot, hot-unplug by
# QEMU (device_del, relayed here from the guest over the results directory)
# and a kmemleak scan.
#   faults.sh [--kernel PATH] [--topology T (default d3cold)] [--results DIR] [--tools DIR --bin DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
kernel=() topology=d3cold results=$top/build/results/faults tools= bin=
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=(--kernel "$2"); shift ;;
	--topology) topology=$2; shift ;;
	--results) results=$2; shift ;;
	--tools) tools=$2; shift ;;
	--bin) bin=$2; shift ;;
	*) echo "faults: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done
[ -n "$tools" ] || tools=$("$here/build-tools.sh")
[ -n "$bin" ] || bin=$("$here/build-selftests.sh")
mkdir -p "$results"
rm -f "$results/qmp-request" "$results/qmp-response"
# The guest asks for a QMP command by writing "COMMAND ID" to qmp-request.
(
	while sleep 0.2; do
		[ -f "$results/qmp-request" ] || continue
		# The guest renames a complete request into place; still, never
		# act on a request read before it was written.
		read -r cmd id <"$results/qmp-request" || true
		[ -n "$cmd" ] || continue
		rm -f "$results/qmp-request"
		"$here/qmp.py" "$results/qmp.sock" "$cmd" id="$id" >"$results/qmp-response.tmp" 2>&1
		mv "$results/qmp-response.tmp" "$results/qmp-response"
	done
) &
relay=$!
trap 'kill $relay 2>/dev/null' EXIT
"$here/vm.sh" "${kernel[@]}" --topology "$topology" --append kmemleak=on --results "$results" --timeout 900 \
	-- "$top/guest/faults.sh" "$tools" "$bin"
