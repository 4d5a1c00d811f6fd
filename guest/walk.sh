#!/bin/bash
# Runs in the guest for `make run`: each endpoint, bound to vfio-pci, is
# opened by a vfio user (tools/pmcsr.c) that writes PMCSR D3hot and then
# D0; after each write the device's and its port's state are shown.
#   walk.sh TOOLSDIR
set -u
tools=$1
here=$(dirname "$0")
echo "topology: $VFIO_PM_TOPOLOGY   kernel: $(uname -r) $(cat /proc/version | grep -o '#[0-9]* [A-Z ]*' | head -n1)"
"$here/devtable.sh" "idle (vfio-pci)"
for nb in $VFIO_PM_DEVICES; do
	name=${nb%%=*} bdf=${nb#*=}
	"$tools/pmcsr" "$bdf" \
		"0:$here/devtable.sh -n -o $name 'opened, D0'" \
		"3:sleep 0.3; $here/devtable.sh -n -o $name 'PMCSR D3hot'" \
		"0:$here/devtable.sh -n -o $name 'PMCSR D0'" | grep -v 'PMCSR <- D0 took' |
		sed -E 's/^[0-9a-f:.]+: PMCSR <- (D[0-3](hot)?) took (.*)/  (write of \1 took \3)/'
done
