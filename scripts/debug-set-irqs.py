#!/usr/bin/env python3
# Debug aid, not part of the series: a ring buffer of vfio-pci PM events,
# dumped when MSI/MSI-X enabling fails.  Run in the kernel tree
# (build/linux), commit it there temporarily, make kernel, run
# guest/irq-loop.sh in a guest; drop the commit after.
import re
p='drivers/vfio/pci/vfio_pci_pm.c'; s=open(p).read()
ring = r'''
#include <linux/ktime.h>
#define VPD_N 96
static struct vpd_ent { u64 ns; const char *what; int pid; int cs; int st; int usage; int ud3; int a; } vpd_ring[VPD_N];
static atomic_t vpd_idx = ATOMIC_INIT(0);
void vfio_pci_pm_dbg(struct vfio_pci_core_device *vdev, const char *what, int a)
{
	unsigned int i = (unsigned int)atomic_inc_return(&vpd_idx) % VPD_N;
	struct device *dev = &vdev->pdev->dev;

	vpd_ring[i] = (struct vpd_ent){ ktime_get_ns(), what, current->pid,
		vdev->pdev->current_state, dev->power.runtime_status,
		atomic_read(&dev->power.usage_count), READ_ONCE(vdev->pm_user_d3), a };
}
void vfio_pci_pm_dbg_dump(struct vfio_pci_core_device *vdev)
{
	unsigned int last = (unsigned int)atomic_read(&vpd_idx), k;

	for (k = last + 1; k != last + 1 + VPD_N; k++) {
		struct vpd_ent *e = &vpd_ring[k % VPD_N];

		if (!e->what)
			continue;
		pci_info(vdev->pdev, "VPD %llu pid %d %s a=%d cs=%d st=%d usage=%d ud3=%d\n",
			 e->ns / 1000, e->pid, e->what, e->a, e->cs, e->st, e->usage, e->ud3);
	}
}
'''
s = s.replace('#include "vfio_pci_priv.h"\n', '#include "vfio_pci_priv.h"\n' + ring, 1)
def ins_after(sig, line):
    global s
    i = s.index(sig); j = s.index('{\n', i) + 2
    k = s.find('\n\n', j) + 2  # after declarations
    s = s[:k] + line + s[k:]
ins_after('int vfio_pci_set_power_state(struct vfio_pci_core_device *vdev, pci_power_t state)\n', '\tvfio_pci_pm_dbg(vdev, "set_power_state", state);\n')
ins_after('static void vfio_pci_pm_user_d3_direct(struct vfio_pci_core_device *vdev)\n', '\tvfio_pci_pm_dbg(vdev, "direct", 0);\n')
ins_after('static void vfio_pci_pm_user_d3_enter(struct vfio_pci_core_device *vdev)\n', '\tvfio_pci_pm_dbg(vdev, "enter", 0);\n')
s = s.replace('''	up_write(&vdev->memory_lock);
	pm_runtime_put_noidle(dev);

	if (rpm) {
		pm_runtime_suspend(dev);''', '''	up_write(&vdev->memory_lock);
	pm_runtime_put_noidle(dev);
	vfio_pci_pm_dbg(vdev, "settle", rpm);

	if (rpm) {
		int r = pm_runtime_suspend(dev);

		vfio_pci_pm_dbg(vdev, "settle suspended", r);''')
s = s.replace('''	pm_runtime_resume(&vdev->pdev->dev);

	/* Covers the direct path and restores pm_save */''', '''	vfio_pci_pm_dbg(vdev, "exit", 0);
	pm_runtime_resume(&vdev->pdev->dev);
	vfio_pci_pm_dbg(vdev, "exit resumed", 0);

	/* Covers the direct path and restores pm_save */''')
s = s.replace('''	int ret = 0;

	down_write(&vdev->memory_lock);
	/*
	 * The user can move''', '''	int ret = 0;

	vfio_pci_pm_dbg(vdev, "rs_cb", 0);
	down_write(&vdev->memory_lock);
	/*
	 * The user can move''')
s = s.replace('''	/* Not suspended: the resume callback will not undo the INTx mask */''', '''	vfio_pci_pm_dbg(vdev, "rs_cb ret", ret);
	/* Not suspended: the resume callback will not undo the INTx mask */''')
s = s.replace('''	struct vfio_pci_core_device *vdev = dev_get_drvdata(dev);

	/*
	 * Resume with a pm_wake_eventfd_ctx''', '''	struct vfio_pci_core_device *vdev = dev_get_drvdata(dev);

	vfio_pci_pm_dbg(vdev, "rr_cb", 0);
	/*
	 * Resume with a pm_wake_eventfd_ctx''')
open(p,'w').write(s)
p='drivers/vfio/pci/vfio_pci_priv.h'; s=open(p).read()
s = s.replace('void vfio_pci_probe_power_state(', 'void vfio_pci_pm_dbg(struct vfio_pci_core_device *vdev, const char *what, int a);\nvoid vfio_pci_pm_dbg_dump(struct vfio_pci_core_device *vdev);\nvoid vfio_pci_probe_power_state(',1)
open(p,'w').write(s)
p='drivers/vfio/pci/vfio_pci_intrs.c'; s=open(p).read()
old='''	cmd = vfio_pci_memory_lock_and_enable(vdev);
	ret = pci_alloc_irq_vectors(pdev, 1, nvec, flag);
	if (ret < nvec) {'''
new='''	cmd = vfio_pci_memory_lock_and_enable(vdev);
	vfio_pci_pm_dbg(vdev, "msi_enable", msix);
	ret = pci_alloc_irq_vectors(pdev, 1, nvec, flag);
	if (ret < nvec) {
		vfio_pci_pm_dbg(vdev, "msi_enable failed", ret);
		vfio_pci_pm_dbg_dump(vdev);'''
assert old in s; s=s.replace(old,new); open(p,'w').write(s)
p='drivers/vfio/pci/vfio_pci_core.c'; s=open(p).read()
old='''	case VFIO_DEVICE_SET_IRQS:
		return vfio_pci_ioctl_set_irqs(vdev, uarg);'''
new='''	case VFIO_DEVICE_SET_IRQS:
		vfio_pci_pm_dbg(vdev, "ioctl set_irqs", 0);
		return vfio_pci_ioctl_set_irqs(vdev, uarg);'''
assert old in s; s=s.replace(old,new); open(p,'w').write(s)
