#!/bin/bash
# In the guest (scripts/vm.sh ... -- guest/irq-loop.sh BINDIR [N]): repeat
# vfio_pci_pm_test's set_irqs_vs_pmcsr on igb until it fails, then print the
# debug ring of scripts/debug-set-irqs.py from the kernel log.
bin=$1 n=${2:-40}
for nb in $VFIO_PM_DEVICES; do [ "${nb%%=*}" = igb ] && bdf=${nb#*=}; done
for i in $(seq "$n"); do
	out=$("$bin/vfio_pci_pm_test" -r vfio_pci_pm_test.iommufd.set_irqs_vs_pmcsr "$bdf" 2>&1)
	rc=$?
	echo "$i rc=$rc $(echo "$out" | grep 'D3hot/D0 cycles')"
	if [ $rc != 0 ]; then echo "$out"; dmesg | grep VPD | tail -100; break; fi
done
