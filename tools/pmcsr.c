// SPDX-License-Identifier: GPL-2.0
/*
 * pmcsr: act as a vfio user that moves a device through PMCSR power states.
 *
 *   pmcsr BDF STEP:CMD [STEP:CMD ...]
 *
 * Opens BDF through the VFIO group/container API (uAPI the base kernel has),
 * then for each step does STEP, reports how long it took and runs CMD with
 * system() while the device stays open.  STEP is a PowerState (0..3) to
 * write to PMCSR through the VFIO config region, "entry"/"exit" for
 * VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY/EXIT, "cold=1"/"cold=0" to set or
 * clear VFIO_DEVICE_POWER_POLICY_D3COLD with VFIO_DEVICE_FEATURE_POWER_POLICY, or
 * "get" to print what that feature reports (kernels without it say so).
 * Exits non-zero on error.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "vfio_group_open.h"

static int dev_fd;
static off_t cfg_off;

static void die(const char *what)
{
	fprintf(stderr, "pmcsr: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint16_t cfg_read(int off, int size)
{
	uint16_t v = 0;

	if (pread(dev_fd, &v, size, cfg_off + off) != size)
		die("config read");
	return v;
}

#ifdef VFIO_DEVICE_FEATURE_POWER_POLICY
/* VFIO_DEVICE_FEATURE_POWER_POLICY, GET or SET; returns 0 or -errno */
static int low_power(uint32_t op, struct vfio_device_feature_power_policy *lp)
{
	uint64_t buf[(sizeof(struct vfio_device_feature) + sizeof(*lp)) / 8 + 1] = {};
	struct vfio_device_feature *f = (void *)buf;

	f->argsz = sizeof(*f) + sizeof(*lp);
	f->flags = op | VFIO_DEVICE_FEATURE_POWER_POLICY;
	memcpy(f->data, lp, sizeof(*lp));
	if (ioctl(dev_fd, VFIO_DEVICE_FEATURE, f))
		return -errno;
	memcpy(lp, f->data, sizeof(*lp));
	return 0;
}

static void low_power_print(const char *bdf)
{
	static const char * const states[] = { "D0", "D1", "D2", "D3hot", "D3cold" };
	struct vfio_device_feature_power_policy lp = {};
	int ret = low_power(VFIO_DEVICE_FEATURE_GET, &lp);

	if (ret) {
		printf("%s: LOW_POWER feature: not supported (%s)\n", bdf, strerror(-ret));
		return;
	}
	printf("%s: LOW_POWER feature: D3cold %s; caps PM%c NoSoftRst%c D3cold%c; state %s\n",
	       bdf, lp.flags & VFIO_DEVICE_POWER_POLICY_D3COLD ? "allowed" : "not allowed",
	       lp.caps & VFIO_DEVICE_POWER_CAP_PM ? '+' : '-',
	       lp.caps & VFIO_DEVICE_POWER_CAP_NO_SOFT_RESET ? '+' : '-',
	       lp.caps & VFIO_DEVICE_POWER_CAP_D3COLD ? '+' : '-',
	       lp.power_state < 5 ? states[lp.power_state] : "unknown");
}
#endif

static int find_pm_cap(void)
{
	int pos = cfg_read(PCI_CAPABILITY_LIST, 1), ttl = 48;

	while (pos && ttl--) {
		if (cfg_read(pos, 1) == PCI_CAP_ID_PM)
			return pos;
		pos = cfg_read(pos + 1, 1);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri) };
	const char *what;
	int pm, i;

	if (argc < 3) {
		fprintf(stderr, "usage: pmcsr BDF STATE:CMD...\n");
		return 2;
	}
	dev_fd = vfio_group_open_device(argv[1], &what);
	if (dev_fd < 0)
		die(what);
	ri.index = VFIO_PCI_CONFIG_REGION_INDEX;
	if (ioctl(dev_fd, VFIO_DEVICE_GET_REGION_INFO, &ri))
		die("config region info");
	cfg_off = ri.offset;
	pm = find_pm_cap();
	if (!pm) {
		fprintf(stderr, "pmcsr: %s has no PM capability\n", argv[1]);
		return 1;
	}

	for (i = 2; i < argc; i++) {
		char *cmd = strchr(argv[i], ':');
		uint16_t pmcsr = cfg_read(pm + PCI_PM_CTRL, 2);
		struct timespec a, b;
		int state = atoi(argv[i]);
		char what[64];

		if (!strncmp(argv[i], "get", 3)) {
#ifdef VFIO_DEVICE_FEATURE_POWER_POLICY
			low_power_print(argv[1]);
#else
			printf("%s: LOW_POWER feature: not in these headers\n", argv[1]);
#endif
			if (cmd && cmd[1] && system(cmd + 1) == -1)
				die("system");
			continue;
		} else if (!strncmp(argv[i], "cold=", 5)) {
#ifdef VFIO_DEVICE_FEATURE_POWER_POLICY
			struct vfio_device_feature_power_policy lp = {
				.flags = argv[i][5] == '1' ? VFIO_DEVICE_POWER_POLICY_D3COLD : 0,
			};
			int ret;

			snprintf(what, sizeof(what), "LOW_POWER SET D3cold %s",
				 lp.flags ? "allowed" : "not allowed");
			clock_gettime(CLOCK_MONOTONIC, &a);
			ret = low_power(VFIO_DEVICE_FEATURE_SET, &lp);
			if (ret == -ENOTTY) {
				printf("%s: LOW_POWER SET: not supported (%s)\n",
				       argv[1], strerror(ENOTTY));
				goto run_cmd;
			} else if (ret) {
				errno = -ret;
				die(what);
			}
#else
			errno = ENOTTY;
			die("LOW_POWER feature not in these headers");
#endif
		} else if (!strncmp(argv[i], "entry", 5) || !strncmp(argv[i], "exit", 4)) {
			struct vfio_device_feature f = {
				.argsz = sizeof(f),
				.flags = VFIO_DEVICE_FEATURE_SET |
					 (argv[i][1] == 'n' ?
					  VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY :
					  VFIO_DEVICE_FEATURE_LOW_POWER_EXIT),
			};

			snprintf(what, sizeof(what), "LOW_POWER_%s",
				 argv[i][1] == 'n' ? "ENTRY" : "EXIT");
			clock_gettime(CLOCK_MONOTONIC, &a);
			if (ioctl(dev_fd, VFIO_DEVICE_FEATURE, &f))
				die(what);
		} else {
			pmcsr = (pmcsr & ~PCI_PM_CTRL_STATE_MASK) | (state & 3);
			snprintf(what, sizeof(what), "PMCSR <- D%d%s", state & 3,
				 (state & 3) == 3 ? "hot" : "");
			clock_gettime(CLOCK_MONOTONIC, &a);
			if (pwrite(dev_fd, &pmcsr, 2, cfg_off + pm + PCI_PM_CTRL) != 2)
				die("PMCSR write");
		}
		clock_gettime(CLOCK_MONOTONIC, &b);
		printf("%s: %s took %.1f ms\n", argv[1], what,
		       (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6);
#ifdef VFIO_DEVICE_FEATURE_POWER_POLICY
run_cmd:
#endif
		fflush(stdout);
		if (cmd && cmd[1] && system(cmd + 1) == -1)
			die("system");
	}
	return 0;
}
