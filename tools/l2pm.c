// SPDX-License-Identifier: GPL-2.0
/*
 * l2pm: runs as part of /init in the nested guest (L2) of the nested
 * walk-through (guest/nested.sh).  It drives the one assigned PCI device
 * through its PM capability the way a guest OS does: PMCSR D3hot and D0
 * written through sysfs config space, a BAR register read through a mmap of
 * sysfs resourceN, and the guest kernel's own PM reset (D3hot -> D0, the
 * nested-assignment reset of a NoSoftRst- device).
 *
 * After each step it reports on a control serial port and waits for the
 * host side (L1) to record what it sees and answer "ok":
 *
 *   STEP <name> pmcsr=0x.... bar=0x........ [key=value...]
 *
 *   l2pm CTL-TTY VENDOR:DEVICE BAR-OFFSET SCRATCH-OFFSET
 *
 * BAR-OFFSET is a BAR0 register that reads non-zero in D0; SCRATCH-OFFSET a
 * BAR0 register that keeps what is written to it, used back in D0 to show
 * that the device works (scratch=ok).
 *
 * Exit status 0 when every step ran; the host side judges the values.
 * After the last step ("hold") the device is left in D3hot: the host either
 * kills this guest's QEMU or answers "poweroff".
 *
 *   l2pm CTL-TTY VENDOR:DEVICE BAR-OFFSET SCRATCH-OFFSET d3cold PORT
 *
 * The D3cold walk instead lets the guest's own ACPI power the device off:
 * a marker goes to the scratch register, the device is bound to vfio-pci
 * (noiommu), which runtime suspends an unused device, and the PCI core
 * picks D3cold through the device's _PR3, calling the power resource's
 * _OFF (QEMU's x-acpi-pm).  Unbinding resumes it through _ON; back in D0
 * the marker is gone (the host powered the device off) and the device
 * works.  No config space is read while the device is off: a sysfs config
 * read would resume it.  Bad input first goes straight to the power
 * resource's I/O port (PORT, the sixth argument): _OFF while the device is
 * in D0 and _ON while on, then a repeated _OFF while off; _STA must stay
 * consistent (sta=...).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/mman.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static int ctl = -1;
static char dev[300];
static int cfg = -1;
static volatile uint32_t *bar;
static unsigned int bar_off, scratch_off;
static unsigned int pm;

static void die(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "l2pm: %s\n", buf);
	if (ctl >= 0)
		dprintf(ctl, "FAIL %s\n", buf);
	exit(1);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static uint32_t cfg_read(unsigned int off, int size)
{
	uint32_t v = 0;

	if (pread(cfg, &v, size, off) != size)
		die("config read at 0x%x: %s", off, strerror(errno));
	return v;
}

static void cfg_write16(unsigned int off, uint16_t v)
{
	if (pwrite(cfg, &v, 2, off) != 2)
		die("config write at 0x%x: %s", off, strerror(errno));
}

static unsigned int find_pm_cap(void)
{
	unsigned int pos, n;

	if (!(cfg_read(0x06, 2) & 0x10))
		return 0;
	pos = cfg_read(0x34, 1) & 0xfc;
	for (n = 0; pos && n < 48; n++) {
		if ((cfg_read(pos, 1)) == 0x01)
			return pos;
		pos = cfg_read(pos + 1, 1) & 0xfc;
	}
	return 0;
}

/* Wait for the host side's answer to a STEP line. */
static void wait_answer(char *ans, size_t len)
{
	size_t n = 0;
	char c;

	while (n + 1 < len) {
		ssize_t r = read(ctl, &c, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			die("control port: %s", r ? strerror(errno) : "EOF");
		if (c == '\r')
			continue;
		if (c == '\n') {
			if (n)
				break;
			continue;
		}
		ans[n++] = c;
	}
	ans[n] = 0;
}

/*
 * Report a step to L1 and wait for its answer.  The step's line carries
 * PMCSR and the marker register unless the device may be powered off
 * (quiet: nothing is read from it).
 */
static void vstep(bool quiet, const char *name, const char *fmt, va_list ap)
{
	char extra[200] = "", dev_regs[64] = "", ans[64];

	if (fmt)
		vsnprintf(extra, sizeof(extra), fmt, ap);
	if (!quiet)
		snprintf(dev_regs, sizeof(dev_regs), " pmcsr=0x%04x bar=0x%08x",
			 cfg_read(pm + 4, 2), bar[bar_off / 4]);
	dprintf(ctl, "STEP %s%s%s%s\n", name, dev_regs, *extra ? " " : "", extra);
	printf("l2pm: step %s done\n", name);
	fflush(stdout);
	wait_answer(ans, sizeof(ans));
	if (!strcmp(ans, "poweroff"))
		exit(0);
	if (strcmp(ans, "ok"))
		die("unexpected answer '%s'", ans);
}

static void step(const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vstep(false, name, fmt, ap);
	va_end(ap);
}

/* A step that reads nothing from the device, which may be powered off */
static void step_quiet(const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vstep(true, name, fmt, ap);
	va_end(ap);
}

static double set_state(unsigned int state)
{
	uint16_t v = cfg_read(pm + 4, 2);
	double t0 = now_ms();

	/* Keep the other bits; PME_Status is write-1-to-clear: leave it. */
	cfg_write16(pm + 4, (v & ~0x8003) | state);
	return now_ms() - t0;
}

static int sysfs_write(const char *attr, const char *val)
{
	char path[400];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", dev, attr);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static void find_device(const char *id)
{
	unsigned int want_v, want_d;
	struct dirent *de;
	DIR *d;

	if (sscanf(id, "%x:%x", &want_v, &want_d) != 2)
		die("bad id %s", id);
	d = opendir("/sys/bus/pci/devices");
	if (!d)
		die("no /sys/bus/pci/devices");
	while ((de = readdir(d))) {
		unsigned int v = 0, dv = 0;
		char p[400];
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/vendor", de->d_name);
		f = fopen(p, "r");
		if (!f || fscanf(f, "%x", &v) != 1)
			v = 0;
		if (f)
			fclose(f);
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/device", de->d_name);
		f = fopen(p, "r");
		if (!f || fscanf(f, "%x", &dv) != 1)
			dv = 0;
		if (f)
			fclose(f);
		if (v == want_v && dv == want_d) {
			snprintf(dev, sizeof(dev), "/sys/bus/pci/devices/%s", de->d_name);
			break;
		}
	}
	closedir(d);
	if (!*dev)
		die("no device %s", id);
}

static void power_state(char *buf, size_t len)
{
	char path[400];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/power_state", dev);
	fd = open(path, O_RDONLY);
	n = fd < 0 ? -1 : read(fd, buf, len - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		n = snprintf(buf, len, "unknown");
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
}

static int bus_write(const char *path, const char *val)
{
	int fd, ret = 0;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

#define MARKER 0x5a5a5000u

static void d3cold_walk(unsigned int port)
{
	const char *bdf = strrchr(dev, '/') + 1;
	char state[32];
	uint32_t val;
	double t0;
	int ret;

	bar[scratch_off / 4] = MARKER;
	val = bar[scratch_off / 4];
	if (val == MARKER)
		step("marker", "marker=ok");
	else
		step("marker", "marker=0x%08x", val);

	/* Bad input: _OFF in D0 (no PMCSR D3hot first), then _ON while on */
	if (ioperm(port, 1, 1))
		die("ioperm 0x%x: %s", port, strerror(errno));
	{
		int s0 = inb(port) & 1, s1, s2;

		outb(0, port);
		s1 = inb(port) & 1;
		outb(1, port);
		s2 = inb(port) & 1;
		step("bad_input", "sta=%d%d%d", s0, s1, s2);
	}

	ret = sysfs_write("driver_override", "vfio-pci");
	if (!ret)
		ret = bus_write("/sys/bus/pci/drivers_probe", bdf);
	if (ret)
		die("binding %s to vfio-pci: %s", bdf, strerror(-ret));
	t0 = now_ms();
	do {
		usleep(50000);
		power_state(state, sizeof(state));
	} while (strcmp(state, "D3cold") && now_ms() - t0 < 20000);
	{
		double wait = now_ms() - t0;
		int s0 = inb(port) & 1, s1;

		/* Bad input: a repeated _OFF while off */
		outb(0, port);
		s1 = inb(port) & 1;
		step_quiet("d3cold", "power_state=%s wait_ms=%.0f sta=%d%d",
			   state, wait, s0, s1);
	}

	/* Unbinding resumes the device: the power resource's _ON */
	t0 = now_ms();
	ret = bus_write("/sys/bus/pci/drivers/vfio-pci/unbind", bdf);
	if (ret)
		die("unbinding %s from vfio-pci: %s", bdf, strerror(-ret));
	power_state(state, sizeof(state));
	ret = inb(port) & 1;
	cfg_write16(0x04, cfg_read(0x04, 2) | 0x2);
	val = bar[scratch_off / 4];
	bar[scratch_off / 4] = 0x12345000;
	step("d0", "power_state=%s resume_ms=%.0f sta=%d marker=%s scratch=%s",
	     state, now_ms() - t0, ret, val == MARKER ? "kept" : "lost",
	     bar[scratch_off / 4] == 0x12345000 ? "ok" : "bad");

	step("hold", "end=poweroff");
	die("the host side did not end the run after hold");
}

int main(int argc, char **argv)
{
	char path[400];
	struct termios t;
	uint32_t old, val;
	double ms;
	int fd, ret;

	if (argc != 5 && !(argc == 7 && !strcmp(argv[5], "d3cold"))) {
		fprintf(stderr, "usage: l2pm CTL-TTY VENDOR:DEVICE BAR-OFFSET SCRATCH-OFFSET [d3cold PORT]\n");
		return 2;
	}
	ctl = open(argv[1], O_RDWR | O_NOCTTY);
	if (ctl < 0) {
		perror(argv[1]);
		return 1;
	}
	if (!tcgetattr(ctl, &t)) {
		cfmakeraw(&t);
		tcsetattr(ctl, TCSANOW, &t);
	}
	find_device(argv[2]);
	bar_off = strtoul(argv[3], NULL, 0) & ~3u;
	scratch_off = strtoul(argv[4], NULL, 0) & ~3u;

	snprintf(path, sizeof(path), "%s/config", dev);
	cfg = open(path, O_RDWR);
	if (cfg < 0)
		die("%s: %s", path, strerror(errno));
	/* The kernel enables memory decoding only for a driver: do it here. */
	cfg_write16(0x04, cfg_read(0x04, 2) | 0x2);
	pm = find_pm_cap();
	if (!pm)
		die("%s has no PM capability", dev);
	snprintf(path, sizeof(path), "%s/resource0", dev);
	fd = open(path, O_RDWR | O_SYNC);
	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	bar = mmap(NULL, 4096 * (((bar_off > scratch_off ? bar_off : scratch_off) + 4 + 4095) / 4096),
		   PROT_READ | PROT_WRITE,
		   MAP_SHARED, fd, 0);
	if (bar == MAP_FAILED)
		die("mmap %s: %s", path, strerror(errno));

	step("boot", "dev=%s nosoftrst=%d", strrchr(dev, '/') + 1,
	     !!(cfg_read(pm + 4, 2) & 0x8));
	if (argc == 7)
		d3cold_walk(strtoul(argv[6], NULL, 0));

	ms = set_state(3);
	step("d3hot", "write_ms=%.1f", ms);

	ms = set_state(0);
	/* Back in D0 the device works: a register keeps what is written. */
	old = bar[scratch_off / 4];
	bar[scratch_off / 4] = 0x12345000;
	val = bar[scratch_off / 4];
	bar[scratch_off / 4] = old;
	if (val == 0x12345000)
		step("d0", "write_ms=%.1f scratch=ok", ms);
	else
		step("d0", "write_ms=%.1f scratch=0x%08x", ms, val);

	/*
	 * The guest kernel's own D3hot -> D0: its PM reset, which a nested
	 * hypervisor uses to reset a NoSoftRst- device it assigns further.
	 */
	if (sysfs_write("reset_method", "pm")) {
		step("kernel_pm_reset", "result=not_offered");
	} else {
		double t0 = now_ms();

		ret = sysfs_write("reset", "1");
		step("kernel_pm_reset", "result=%s reset_ms=%.1f",
		     ret ? strerror(-ret) : "done", now_ms() - t0);
	}

	ms = set_state(3);
	step("hold", "write_ms=%.1f", ms);
	die("the host side did not end the run after hold");
	return 1;
}
