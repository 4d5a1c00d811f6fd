#!/bin/bash
# Runs in the guest for `make run`: each endpoint, bound to vfio-pci, is
# opened by a vfio user (tools/pmcsr.c) that writes PMCSR D3hot and then
# D0; after each write the device's and its port's state are shown.  On
# the emulated D3cold platform (topology d3cold) igb is walked through
# LOW_POWER_ENTRY/EXIT and the D3cold opt-in of VFIO_DEVICE_FEATURE_POWER_POLICY
# instead (a kernel without the feature says so).
#   walk.sh TOOLSDIR
set -u
tools=$1
here=$(dirname "$0")
echo "topology: $VFIO_PM_TOPOLOGY   kernel: $(uname -r) $(grep -o '#[0-9]* [A-Z ]*' /proc/version | head -n1)"
"$here/devtable.sh" "idle (vfio-pci)"
tidy() {
	sed -E -e '/PMCSR <- D0 took/d' \
		-e 's/^[0-9a-f:.]+: LOW_POWER feature: /  (feature GET: /; s/^(  \(feature GET: .*)$/\1)/' \
		-e 's/^[0-9a-f:.]+: LOW_POWER SET: (.*)/  (feature SET: \1)/' \
		-e 's/^[0-9a-f:.]+: (.*) took (.*)/  (\1 took \2)/'
}
for nb in $VFIO_PM_DEVICES; do
	name=${nb%%=*} bdf=${nb#*=}
	t() { echo "$here/devtable.sh -n -o $name '$1'"; }
	if [ "$VFIO_PM_TOPOLOGY" = d3cold ]; then
		[ "$name" = igb ] || continue
		"$tools/pmcsr" "$bdf" \
			"0:$(t 'opened, D0')" get \
			"entry:sleep 0.3; $(t 'LOW_POWER_ENTRY')" \
			"exit:$(t 'LOW_POWER_EXIT')" \
			"3:$(t 'PMCSR D3hot')" get \
			"cold=1:$(t 'D3cold allowed')" get \
			"cold=0:$(t 'D3cold not allowed')" \
			"cold=1:$(t 'D3cold allowed')" \
			"0:$(t 'PMCSR D0')" get | tidy
	else
		"$tools/pmcsr" "$bdf" \
			"0:$(t 'opened, D0')" \
			"3:sleep 0.3; $(t 'PMCSR D3hot')" \
			"0:$(t 'PMCSR D0')" | tidy
	fi
done
