/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared by the bench's small VFIO users (the C files in tools/): open @bdf through the
 * legacy group/container API (type1v2 IOMMU) and return the device fd, or
 * -1 with errno set and *what naming the step that failed.  The group and
 * container stay open for the life of the process.
 */
#ifndef VFIO_PM_TOOLS_VFIO_GROUP_OPEN_H
#define VFIO_PM_TOOLS_VFIO_GROUP_OPEN_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vfio.h>

static int vfio_group_open_device(const char *bdf, const char **what)
{
	struct vfio_group_status gs = { .argsz = sizeof(gs) };
	char path[PATH_MAX], link[PATH_MAX];
	int container, group, fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	*what = "iommu_group link";
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -1;
	link[n] = 0;
	snprintf(path, sizeof(path), "/dev/vfio/%s", strrchr(link, '/') + 1);

	*what = "open container/group";
	container = open("/dev/vfio/vfio", O_RDWR);
	group = open(path, O_RDWR);
	if (container < 0 || group < 0)
		return -1;
	*what = "group not viable";
	if (ioctl(group, VFIO_GROUP_GET_STATUS, &gs))
		return -1;
	if (!(gs.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		errno = EBUSY;
		return -1;
	}
	*what = "container";
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) ||
	    ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		return -1;
	*what = "get device fd";
	fd = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	return fd;
}

#endif
