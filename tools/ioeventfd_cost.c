// SPDX-License-Identifier: GPL-2.0-only
/*
 * ioeventfd_cost BDF [N]: the cost of a VFIO ioeventfd as seen by its
 * writer.  Registers a VFIO_DEVICE_IOEVENTFD on the first I/O port BAR
 * (offset 0, 32 bit) and one on the first memory BAR (offset 0xc000, igb's
 * RDBAL0, 32 bit), then writes each eventfd N times (default 20000): the
 * ioeventfd handler runs in the eventfd wakeup, inside the write(), so the
 * time per write() is the handler's cost plus the write syscall and the
 * emulated device access.  Prints "io NS" and "mem NS" (median of 5 runs
 * of N writes, nanoseconds per write).  Uses only uAPI the base kernel
 * has, so that base and patched kernels can be compared.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "vfio_group_open.h"

#define RUNS 5

static int dev_fd;

static void die(const char *what)
{
	fprintf(stderr, "ioeventfd_cost: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Register an ioeventfd at @offset of region @index, return its eventfd */
static int ioeventfd(int index, uint64_t offset)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri), .index = index };
	struct vfio_device_ioeventfd ie = {
		.argsz = sizeof(ie),
		.flags = VFIO_DEVICE_IOEVENTFD_32,
		.data = 0,
	};
	int efd = eventfd(0, EFD_NONBLOCK);

	if (efd < 0 || ioctl(dev_fd, VFIO_DEVICE_GET_REGION_INFO, &ri))
		die("eventfd/region info");
	ie.offset = ri.offset + offset;
	ie.fd = efd;
	if (ioctl(dev_fd, VFIO_DEVICE_IOEVENTFD, &ie))
		die("VFIO_DEVICE_IOEVENTFD");
	return efd;
}

static double cost(int efd, long n)
{
	double t[RUNS];
	uint64_t one = 1, v;
	int r;
	long i;

	for (r = 0; r < RUNS; r++) {
		double t0 = now_ns();

		for (i = 0; i < n; i++) {
			if (write(efd, &one, sizeof(one)) != sizeof(one))
				die("eventfd write");
		}
		t[r] = (now_ns() - t0) / n;
		/* Keep the counter from saturating */
		if (read(efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			die("eventfd read");
	}
	qsort(t, RUNS, sizeof(t[0]), cmp);
	return t[RUNS / 2];
}

int main(int argc, char **argv)
{
	struct vfio_region_info cfg = { .argsz = sizeof(cfg) };
	int io_bar = -1, mem_bar = -1, i;
	long n = argc > 2 ? atol(argv[2]) : 20000;
	const char *what;
	uint16_t cmd;

	if (argc < 2) {
		fprintf(stderr, "usage: ioeventfd_cost BDF [N]\n");
		return 2;
	}
	dev_fd = vfio_group_open_device(argv[1], &what);
	if (dev_fd < 0)
		die(what);
	cfg.index = VFIO_PCI_CONFIG_REGION_INDEX;
	if (ioctl(dev_fd, VFIO_DEVICE_GET_REGION_INFO, &cfg))
		die("config region info");

	for (i = 0; i < PCI_STD_NUM_BARS; i++) {
		uint32_t bar;

		if (pread(dev_fd, &bar, 4, cfg.offset + PCI_BASE_ADDRESS_0 + 4 * i) != 4)
			die("BAR read");
		if (!bar)
			continue;
		if ((bar & PCI_BASE_ADDRESS_SPACE_IO) && io_bar < 0)
			io_bar = i;
		else if (!(bar & PCI_BASE_ADDRESS_SPACE_IO) && mem_bar < 0)
			mem_bar = i;
	}
	if (io_bar < 0 || mem_bar < 0) {
		fprintf(stderr, "ioeventfd_cost: need an I/O and a memory BAR\n");
		return 2;
	}
	if (pread(dev_fd, &cmd, 2, cfg.offset + PCI_COMMAND) != 2)
		die("command read");
	cmd |= PCI_COMMAND_IO | PCI_COMMAND_MEMORY;
	if (pwrite(dev_fd, &cmd, 2, cfg.offset + PCI_COMMAND) != 2)
		die("command write");

	printf("io %.0f\n", cost(ioeventfd(io_bar, 0), n));
	printf("mem %.0f\n", cost(ioeventfd(mem_bar, 0xc000), n));
	return 0;
}
