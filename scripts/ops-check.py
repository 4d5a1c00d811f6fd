#!/usr/bin/env python3
"""Every vfio-pci variant driver must route VFIO_DEVICE_FEATURE_POWER_POLICY
as vfio-pci does: a struct vfio_device_ops whose .device_feature is
vfio_pci_core_ioctl_feature must also set .device_feature_no_resume (else
the VFIO core resumes the device first: GET reports D0 and SET never moves
it).  Some variant drivers build only on other architectures (nvgrace-gpu:
ARM64), so the x86 build cannot tell; this reads the sources.
Usage: ops-check.py TREE.  Prints one line per ops structure checked."""
import pathlib, re, sys

tree = pathlib.Path(sys.argv[1])
if "device_feature_no_resume" not in (tree / "include/linux/vfio.h").read_text():
    print("no device_feature_no_resume in this tree: nothing to check")
    sys.exit(0)
bad = n = 0
for f in sorted((tree / "drivers/vfio").rglob("*.c")):
    s = f.read_text()
    for m in re.finditer(r"struct vfio_device_ops\s+(\w+)\s*=\s*\{(.*?)\n\};", s, re.S):
        name, body = m.group(1), m.group(2)
        if not re.search(r"\.device_feature\s*=\s*vfio_pci_core_ioctl_feature", body):
            continue
        n += 1
        if not re.search(r"\.device_feature_no_resume\s*=", body):
            bad += 1
            print(f"{f.relative_to(tree)}: {name} sets .device_feature = "
                  "vfio_pci_core_ioctl_feature but not .device_feature_no_resume")
print(f"{n} vfio_device_ops with vfio_pci_core_ioctl_feature, {bad} without .device_feature_no_resume")
if n == 0:
    # vfio-pci itself has one: finding none means this check reads nothing
    print("no vfio_device_ops found: the pattern no longer matches the sources")
sys.exit(1 if bad or n == 0 else 0)
