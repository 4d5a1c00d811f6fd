#!/usr/bin/env bash
# Print the accelerator the guest should use: $ACCEL if set, else "kvm" when
# a short probe boot under KVM reaches the guest's /init and powers off, else
# "tcg".  The probe's answer is cached per machine.
#   accel.sh KERNEL INITRD
set -euo pipefail
if [ -n "${ACCEL:-}" ]; then echo "$ACCEL"; exit 0; fi
cache=${VFIO_PM_CACHE:-$HOME/.cache/vfio-pci-pm}
if [ ! -w /dev/kvm ]; then echo tcg; exit 0; fi
key=$( (uname -r; qemu-system-x86_64 --version | head -n1; grep -m1 'model name' /proc/cpuinfo) | sha256sum | cut -c1-16)
f=$cache/accel-probe-$key
if [ ! -f "$f" ]; then
	log=$(mktemp)
	timeout -k 2 25 qemu-system-x86_64 -machine q35,kernel-irqchip=split,accel=kvm -cpu host \
		-smp 1 -m 512M -display none -vga none -no-reboot -monitor none \
		-serial file:"$log" -kernel "$1" -initrd "$2" -append "console=ttyS0 panic=-1" \
		</dev/null >/dev/null 2>&1 || true
	if grep -q 'vfiopm-init:' "$log"; then echo kvm >"$f"; else echo tcg >"$f"; fi
	rm -f "$log"
fi
cat "$f"
