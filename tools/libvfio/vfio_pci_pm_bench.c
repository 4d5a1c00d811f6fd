// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_pci_pm_bench: latencies of vfio-pci power management transitions and
 * of the paths they share with ordinary device access, for comparing two
 * kernels on the same devices.  Everything compared uses only uAPI that
 * kernels without VFIO_DEVICE_FEATURE_POWER_POLICY have as well; whether the
 * kernel has that feature is reported (VFIO_DEVICE_FEATURE_PROBE).
 *
 * Usage: vfio_pci_pm_bench [options] BDF...
 *
 *   -m MODES  comma separated list of (default: pmcsr,lowpower,hot)
 *             pmcsr     PMCSR D0->D3hot and D3hot->D0 write latency, and the
 *                       floor the PCI spec puts under it (d3hot delay)
 *             lowpower  VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY and _EXIT
 *             hot       a 4-byte BAR read through the region, a config
 *                       space read (vendor ID), a PMCSR read, an mmap'd
 *                       BAR read and VFIO_DEVICE_GET_INFO, interleaved
 *             d3read    the config space and PMCSR reads while the user
 *                       holds the device in D3hot (a PMCSR D3hot write)
 *             parallel  1, 2, 4, ... of the devices taken D0->D3hot->D0 at
 *                       the same time, one thread each (all BDFs)
 *             The other modes run on each BDF in turn.
 *   -n N      transitions per device and mode (default 30)
 *   -s N      samples of each hot path (default 2000)
 *   -d MS     stay MS milliseconds in D3hot before the D0 write (pmcsr
 *             mode), e.g. to let the parent port runtime suspend
 *   -i MODE   IOMMU mode (default: the library's default)
 *
 * Each result is one JSON object on a line of stdout: "metric", "device"
 * (BDF), "unit" ("ns") and "samples" (every sample, in measuring order),
 * plus metric specific members.  Progress goes to stderr.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/ioctl.h>
#include <sys/utsname.h>

#include <linux/compiler.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include <libvfio.h>

/* For building against uAPI headers without the feature */
#ifndef VFIO_DEVICE_FEATURE_POWER_POLICY
#define VFIO_DEVICE_FEATURE_POWER_POLICY		14
#endif

/* PCI PM 1.2, table 5-6: D3hot->D0 and D0->D3hot recovery time */
#define PCI_SPEC_D3HOT_DELAY_MS	10
#define RPM_WAIT_MS		2000
#define HOT_WARMUP		50
#define MAX_EXTRA		256

struct bench_device {
	const char *bdf;
	struct vfio_pci_device *device;
	/* BAR used for the region and mmap reads: the first mmap'd one */
	struct vfio_pci_bar *bar;
	u8 pm_cap;
	u16 pmcsr_d0;
	u16 pmcsr_d3hot;
	char id[10];
	bool rpm;
};

static int nr_pm = 30;
static int nr_hot = 2000;
static int dwell_ms;
static const char *iommu_mode;
static u32 mmio_sink;

static void json_samples(const char *metric, const char *bdf,
			 const char *extra, const u64 *samples, int n)
{
	int i;

	printf("{\"metric\":\"%s\",\"device\":\"%s\",\"unit\":\"ns\"%s,\"samples\":[",
	       metric, bdf, extra);
	for (i = 0; i < n; i++)
		printf("%s%llu", i ? "," : "", (unsigned long long)samples[i]);
	printf("]}\n");
	fflush(stdout);
}

/* The BDF of the bridge above @bdf in @buf, if it has runtime PM */
static bool parent_bridge(const char *bdf, char *buf, size_t size)
{
	char path[PATH_MAX], real[PATH_MAX], status[32], *slash;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", bdf);
	if (!realpath(path, real))
		return false;
	slash = strrchr(real, '/');
	if (!slash)
		return false;
	*slash = 0;
	slash = strrchr(real, '/');
	if (!slash || !is_bdf(slash + 1))
		return false;
	snprintf(buf, size, "%s", slash + 1);

	return !sysfs_device_attr_get(buf, "power/runtime_status", status,
				      sizeof(status)) &&
	       strcmp(status, "unsupported");
}

static bool parent_attr_is(const char *bdf, const char *attr, const char *val)
{
	char port[64];

	return parent_bridge(bdf, port, sizeof(port)) &&
	       vfio_pci_pm_attr_is(port, attr, val);
}

/* Wait until the device is runtime suspended, return false on timeout */
static bool rpm_suspended_wait(struct bench_device *dev)
{
	u64 end = vfio_pci_pm_now_ns() + RPM_WAIT_MS * 1000000ULL;

	if (!dev->rpm)
		return true;

	while (!vfio_pci_pm_attr_is(dev->bdf, "power/runtime_status",
				    "suspended")) {
		if (vfio_pci_pm_now_ns() > end)
			return false;
		usleep(200);
	}

	return true;
}

static struct bench_device *bench_device_open(const char *bdf,
					      struct iommu *iommu)
{
	struct bench_device *dev = calloc_assert(1, sizeof(*dev));
	u16 pmcsr;

	dev->bdf = bdf;
	dev->device = vfio_pci_device_init(bdf, iommu);
	dev->pm_cap = vfio_pci_pm_cap(dev->device);
	dev->rpm = !vfio_pci_pm_direct_reason(bdf);
	snprintf(dev->id, sizeof(dev->id), "%04x:%04x",
		 vfio_pci_config_readw(dev->device, PCI_VENDOR_ID),
		 vfio_pci_config_readw(dev->device, PCI_DEVICE_ID));
	dev->bar = vfio_pci_pm_bar(dev->device);

	if (dev->pm_cap) {
		pmcsr = vfio_pci_config_readw(dev->device,
					      dev->pm_cap + PCI_PM_CTRL);
		pmcsr &= ~PCI_PM_CTRL_STATE_MASK;
		dev->pmcsr_d0 = pmcsr;
		dev->pmcsr_d3hot = pmcsr | 3;
	}

	return dev;
}

static void bench_device_close(struct bench_device *dev)
{
	vfio_pci_device_cleanup(dev->device);
	free(dev);
}

static void pmcsr_write(struct bench_device *dev, u16 pmcsr)
{
	vfio_pci_config_writew(dev->device, dev->pm_cap + PCI_PM_CTRL, pmcsr);
}

/*
 * The delay the PCI core waits after each D0<->D3hot PMCSR write is the
 * lower bound of both transitions.  It is not exported; a "d3hot_delay"
 * attribute is read where a kernel has one, else the spec's 10 ms.
 */
static void bench_d3hot_delay(struct bench_device *dev)
{
	const char *source = "pci-spec";
	char buf[64];
	long ms = PCI_SPEC_D3HOT_DELAY_MS;

	if (!sysfs_device_attr_get(dev->bdf, "d3hot_delay", buf, sizeof(buf))) {
		ms = strtol(buf, NULL, 0);
		source = "sysfs";
	}

	printf("{\"metric\":\"d3hot_delay\",\"device\":\"%s\",\"id\":\"%s\",",
	       dev->bdf, dev->id);
	printf("\"unit\":\"ns\",\"value\":%lld,\"source\":\"%s\"}\n",
	       ms * 1000000LL, source);
	fflush(stdout);
}

static void bench_pmcsr(struct bench_device *dev)
{
	u64 *down = calloc_assert(nr_pm, sizeof(*down));
	u64 *up = calloc_assert(nr_pm, sizeof(*up));
	int errors = 0, rpm_suspended = 0, port_suspended = 0;
	char extra[MAX_EXTRA];
	u64 t;
	int i;

	for (i = -1; i < nr_pm; i++) {
		t = vfio_pci_pm_now_ns();
		pmcsr_write(dev, dev->pmcsr_d3hot);
		t = vfio_pci_pm_now_ns() - t;
		if (i >= 0)
			down[i] = t;
		if (!vfio_pci_pm_attr_is(dev->bdf, "power_state", "D3hot"))
			errors++;
		if (dwell_ms)
			usleep(dwell_ms * 1000);
		if (i >= 0 && vfio_pci_pm_attr_is(dev->bdf,
						  "power/runtime_status",
						  "suspended"))
			rpm_suspended++;
		if (i >= 0 &&
		    parent_attr_is(dev->bdf, "power/runtime_status", "suspended"))
			port_suspended++;

		t = vfio_pci_pm_now_ns();
		pmcsr_write(dev, dev->pmcsr_d0);
		t = vfio_pci_pm_now_ns() - t;
		if (i >= 0)
			up[i] = t;
		if (!vfio_pci_pm_attr_is(dev->bdf, "power_state", "D0"))
			errors++;
	}

	snprintf(extra, sizeof(extra),
		 ",\"id\":\"%s\",\"errors\":%d,\"dwell_ms\":%d,\"rpm_suspended\":%d,\"port_suspended\":%d",
		 dev->id, errors, dwell_ms, rpm_suspended, port_suspended);
	json_samples("pmcsr_d0_d3hot", dev->bdf, extra, down, nr_pm);
	json_samples("pmcsr_d3hot_d0", dev->bdf, extra, up, nr_pm);
	free(down);
	free(up);
}

static void feature_set(struct bench_device *dev, u32 feature)
{
	VFIO_ASSERT_EQ(vfio_pci_device_feature(dev->device,
					       VFIO_DEVICE_FEATURE_SET | feature,
					       NULL, 0), 0);
}

/*
 * LOW_POWER_ENTRY may return before the device is suspended: the time
 * until runtime_status reads "suspended" (polled) is reported as well.
 */
static void bench_lowpower(struct bench_device *dev)
{
	u64 *entry = calloc_assert(nr_pm, sizeof(*entry));
	u64 *suspended = calloc_assert(nr_pm, sizeof(*suspended));
	u64 *leave = calloc_assert(nr_pm, sizeof(*leave));
	char extra[MAX_EXTRA];
	int errors = 0;
	u64 t0, t1;
	int i;

	for (i = -1; i < nr_pm; i++) {
		t0 = vfio_pci_pm_now_ns();
		feature_set(dev, VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY);
		t1 = vfio_pci_pm_now_ns();
		if (!rpm_suspended_wait(dev))
			errors++;
		if (i >= 0) {
			entry[i] = t1 - t0;
			suspended[i] = vfio_pci_pm_now_ns() - t0;
		}

		t0 = vfio_pci_pm_now_ns();
		feature_set(dev, VFIO_DEVICE_FEATURE_LOW_POWER_EXIT);
		t1 = vfio_pci_pm_now_ns();
		if (i >= 0)
			leave[i] = t1 - t0;
		if (!vfio_pci_pm_attr_is(dev->bdf, "power_state", "D0"))
			errors++;
	}

	snprintf(extra, sizeof(extra), ",\"id\":\"%s\",\"errors\":%d",
		 dev->id, errors);
	json_samples("low_power_entry", dev->bdf, extra, entry, nr_pm);
	json_samples("low_power_entry_suspended", dev->bdf, extra, suspended,
		     nr_pm);
	json_samples("low_power_exit", dev->bdf, extra, leave, nr_pm);
	free(entry);
	free(suspended);
	free(leave);
}

static bool low_power_supported(struct bench_device *dev)
{
	return !vfio_pci_device_feature(dev->device, VFIO_DEVICE_FEATURE_PROBE |
					VFIO_DEVICE_FEATURE_GET |
					VFIO_DEVICE_FEATURE_SET |
					VFIO_DEVICE_FEATURE_POWER_POLICY, NULL, 0);
}

enum hot_path {
	HOT_BAR_REGION,
	HOT_CONFIG,
	HOT_PMCSR,
	HOT_BAR_MMAP,
	HOT_GET_INFO,
	NR_HOT_PATHS,
};

static const char * const hot_names[NR_HOT_PATHS] = {
	[HOT_BAR_REGION] = "bar_region_read",
	[HOT_CONFIG] = "config_read",
	[HOT_PMCSR] = "pmcsr_read",
	[HOT_BAR_MMAP] = "bar_mmap_read",
	[HOT_GET_INFO] = "get_info",
};

/* One access of hot path @path, return its time or -1 on error */
static u64 hot_path_ns(struct bench_device *dev, enum hot_path path)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	u64 config = dev->device->config_space.offset;
	int fd = dev->device->fd;
	bool ok = false;
	u64 t = vfio_pci_pm_now_ns();
	u16 pmcsr;
	u32 val;

	switch (path) {
	case HOT_BAR_REGION:
		ok = pread(fd, &val, sizeof(val), dev->bar->info.offset) ==
		     sizeof(val);
		break;
	case HOT_CONFIG:
		ok = pread(fd, &val, sizeof(val), config) == sizeof(val);
		break;
	case HOT_PMCSR:
		/* The PM capability's read handler */
		ok = pread(fd, &pmcsr, sizeof(pmcsr),
			   config + dev->pm_cap + PCI_PM_CTRL) == sizeof(pmcsr);
		break;
	case HOT_BAR_MMAP:
		mmio_sink = READ_ONCE(*(u32 *)dev->bar->vaddr);
		ok = true;
		break;
	case HOT_GET_INFO:
		ok = !ioctl(fd, VFIO_DEVICE_GET_INFO, &info);
		break;
	default:
		break;
	}
	t = vfio_pci_pm_now_ns() - t;

	return ok ? t : -1;
}

/*
 * The @nr paths of @paths interleaved, so that drift affects each alike;
 * each metric is the path's name followed by @suffix.
 */
static void bench_paths(struct bench_device *dev, const enum hot_path *paths,
			int nr, const char *suffix)
{
	u64 *samples[NR_HOT_PATHS];
	int errors[NR_HOT_PATHS] = {};
	char extra[MAX_EXTRA];
	char metric[64];
	int i, p;
	u64 t;

	for (p = 0; p < nr; p++)
		samples[p] = calloc_assert(nr_hot, sizeof(u64));

	for (i = -HOT_WARMUP; i < nr_hot; i++) {
		for (p = 0; p < nr; p++) {
			t = hot_path_ns(dev, paths[p]);
			if (i < 0)
				continue;
			if (t == (u64)-1)
				errors[p]++;
			samples[p][i] = t;
		}
	}

	for (p = 0; p < nr; p++) {
		snprintf(metric, sizeof(metric), "%s%s", hot_names[paths[p]],
			 suffix);
		snprintf(extra, sizeof(extra), ",\"id\":\"%s\",\"errors\":%d",
			 dev->id, errors[p]);
		json_samples(metric, dev->bdf, extra, samples[p], nr_hot);
		free(samples[p]);
	}
}

/* The paths of ordinary device access, in D0 */
static void bench_hot(struct bench_device *dev)
{
	static const enum hot_path all[] = {
		HOT_BAR_REGION, HOT_CONFIG, HOT_PMCSR, HOT_BAR_MMAP,
		HOT_GET_INFO,
	};
	static const enum hot_path no_pm[] = {
		HOT_BAR_REGION, HOT_CONFIG, HOT_BAR_MMAP, HOT_GET_INFO,
	};

	if (!dev->bar) {
		fprintf(stderr, "%s: no mmap'd BAR, skipping hot paths\n",
			dev->bdf);
		return;
	}

	if (dev->pm_cap)
		bench_paths(dev, all, ARRAY_SIZE(all), "");
	else
		bench_paths(dev, no_pm, ARRAY_SIZE(no_pm), "");
}

/*
 * Config space reads while the user holds the device in D3hot (PMCSR):
 * the device is not woken up for them, only its parent bridge is
 * resumed where needed.  Metrics config_read_d3hot and pmcsr_read_d3hot.
 */
static void bench_d3read(struct bench_device *dev)
{
	static const enum hot_path paths[] = { HOT_CONFIG, HOT_PMCSR };

	pmcsr_write(dev, dev->pmcsr_d3hot);
	VFIO_ASSERT_TRUE(vfio_pci_pm_attr_is(dev->bdf, "power_state", "D3hot"),
			 "%s: not in D3hot after a PMCSR D3hot write\n",
			 dev->bdf);
	bench_paths(dev, paths, ARRAY_SIZE(paths), "_d3hot");
	pmcsr_write(dev, dev->pmcsr_d0);
}

struct parallel_thread {
	struct bench_device *dev;
	pthread_barrier_t *barrier;
	u64 start;
	u64 end;
};

static void *parallel_main(void *arg)
{
	struct parallel_thread *t = arg;

	pthread_barrier_wait(t->barrier);
	t->start = vfio_pci_pm_now_ns();
	pmcsr_write(t->dev, t->dev->pmcsr_d3hot);
	pmcsr_write(t->dev, t->dev->pmcsr_d0);
	t->end = vfio_pci_pm_now_ns();

	return NULL;
}

/* One D0->D3hot->D0 cycle of @n devices at once, return the wall time */
static u64 parallel_cycle(struct bench_device **devs, int n,
			  struct parallel_thread *threads, u64 *per_device)
{
	pthread_t *tids = calloc_assert(n, sizeof(*tids));
	u64 start = -1, end = 0;
	pthread_barrier_t barrier;
	int i;

	pthread_barrier_init(&barrier, NULL, n);
	for (i = 0; i < n; i++) {
		threads[i].dev = devs[i];
		threads[i].barrier = &barrier;
		VFIO_ASSERT_EQ(pthread_create(&tids[i], NULL, parallel_main,
					      &threads[i]), 0);
	}

	for (i = 0; i < n; i++) {
		VFIO_ASSERT_EQ(pthread_join(tids[i], NULL), 0);
		start = min(start, threads[i].start);
		end = max(end, threads[i].end);
		per_device[i] = threads[i].end - threads[i].start;
	}
	pthread_barrier_destroy(&barrier);
	free(tids);

	return end - start;
}

/*
 * The first 1, 2, 4, ... of the devices (and all of them), each cycled by
 * its own thread; the device counts take turns so that drift affects each.
 */
static void bench_parallel(char **bdfs, int nr_devices, struct iommu *iommu)
{
	struct bench_device **devs = calloc_assert(nr_devices, sizeof(*devs));
	struct parallel_thread *threads = calloc_assert(nr_devices,
							sizeof(*threads));
	int counts[32], nr_counts = 0, errors = 0;
	u64 *wall[32], *per_device[32];
	char extra[MAX_EXTRA];
	int i, j, c, n;

	for (n = 1; n < nr_devices; n *= 2)
		counts[nr_counts++] = n;
	counts[nr_counts++] = nr_devices;

	for (i = 0; i < nr_devices; i++) {
		devs[i] = bench_device_open(bdfs[i], iommu);
		VFIO_ASSERT_NE(devs[i]->pm_cap, 0, "%s: no PM capability\n",
			       bdfs[i]);
	}

	for (c = 0; c < nr_counts; c++) {
		wall[c] = calloc_assert(nr_pm, sizeof(u64));
		per_device[c] = calloc_assert(nr_pm * counts[c], sizeof(u64));
	}

	for (i = -1; i < nr_pm; i++) {
		for (j = 0; j < nr_counts; j++) {
			u64 dummy[32], *per, t;

			c = (j + max(i, 0)) % nr_counts;
			n = counts[c];
			per = i < 0 ? dummy : per_device[c] + i * n;
			t = parallel_cycle(devs, n, threads, per);
			if (i >= 0)
				wall[c][i] = t;
		}
		for (j = 0; j < nr_devices; j++) {
			if (!vfio_pci_pm_attr_is(devs[j]->bdf, "power_state", "D0"))
				errors++;
		}
	}

	for (c = 0; c < nr_counts; c++) {
		snprintf(extra, sizeof(extra),
			 ",\"id\":\"%s\",\"n\":%d,\"errors\":%d",
			 devs[0]->id, counts[c], errors);
		json_samples("parallel_wall", bdfs[0], extra, wall[c], nr_pm);
		json_samples("parallel_per_device", bdfs[0], extra,
			     per_device[c], nr_pm * counts[c]);
		free(wall[c]);
		free(per_device[c]);
	}

	for (i = 0; i < nr_devices; i++)
		bench_device_close(devs[i]);
	free(threads);
	free(devs);
}

static bool has_mode(const char *modes, const char *mode)
{
	size_t len = strlen(mode);
	const char *p = modes;

	while ((p = strstr(p, mode))) {
		if ((p == modes || p[-1] == ',') &&
		    (p[len] == ',' || !p[len]))
			return true;
		p += len;
	}

	return false;
}

static void print_info(char **bdfs, int nr_devices, bool low_power)
{
	struct utsname u;
	int i;

	VFIO_ASSERT_EQ(uname(&u), 0);
	printf("{\"metric\":\"info\",\"kernel\":\"%s %s\",", u.release,
	       u.version);
	printf("\"iommu_mode\":\"%s\",\"low_power_feature\":%s,\"devices\":[",
	       iommu_mode ? iommu_mode : default_iommu_mode,
	       low_power ? "true" : "false");
	for (i = 0; i < nr_devices; i++)
		printf("%s\"%s\"", i ? "," : "", bdfs[i]);
	printf("]}\n");
	fflush(stdout);
}

static void print_usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-m pmcsr,lowpower,hot,d3read,parallel] [-n N] [-s N] [-d MS] [-i IOMMU_MODE] BDF...\n",
		prog);
	exit(KSFT_FAIL);
}

int main(int argc, char *argv[])
{
	const char *modes = "pmcsr,lowpower,hot";
	struct bench_device *dev;
	struct iommu *iommu;
	int nr_devices, i, c;
	bool low_power, per_device;
	char **bdfs;

	bdfs = vfio_selftests_get_bdfs(&argc, argv, &nr_devices);

	while ((c = getopt(argc, argv, "m:n:s:d:i:")) != -1) {
		switch (c) {
		case 'm':
			modes = optarg;
			break;
		case 'n':
			nr_pm = atoi(optarg);
			break;
		case 's':
			nr_hot = atoi(optarg);
			break;
		case 'd':
			dwell_ms = atoi(optarg);
			break;
		case 'i':
			iommu_mode = optarg;
			break;
		default:
			print_usage(argv[0]);
		}
	}
	if (optind != argc || nr_pm < 1 || nr_hot < 1 || dwell_ms < 0 ||
	    nr_devices > 32)
		print_usage(argv[0]);

	iommu = iommu_init(iommu_mode);

	dev = bench_device_open(bdfs[0], iommu);
	low_power = low_power_supported(dev);
	bench_device_close(dev);
	print_info(bdfs, nr_devices, low_power);

	per_device = has_mode(modes, "pmcsr") || has_mode(modes, "lowpower") ||
		     has_mode(modes, "hot") || has_mode(modes, "d3read");

	for (i = 0; i < nr_devices && per_device; i++) {
		dev = bench_device_open(bdfs[i], iommu);
		fprintf(stderr, "%s (%s): %s\n", dev->bdf, dev->id, modes);
		if (!dev->pm_cap) {
			fprintf(stderr, "%s: no PM capability, skipping PM modes\n",
				dev->bdf);
		} else {
			if (has_mode(modes, "pmcsr")) {
				bench_d3hot_delay(dev);
				bench_pmcsr(dev);
			}
			if (has_mode(modes, "lowpower"))
				bench_lowpower(dev);
			if (has_mode(modes, "d3read"))
				bench_d3read(dev);
		}
		if (has_mode(modes, "hot"))
			bench_hot(dev);
		bench_device_close(dev);
	}

	if (has_mode(modes, "parallel")) {
		fprintf(stderr, "parallel: %d devices\n", nr_devices);
		bench_parallel(bdfs, nr_devices, iommu);
	}

	iommu_cleanup(iommu);

	return 0;
}
