# vfio-pci-pm bench: one entry point.  See README.md.
SHELL := /bin/bash
S := scripts
# Debian's tools first (checkpatch's spdxcheck needs the system python3-ply)
export PATH := /usr/sbin:/usr/bin:/sbin:/bin:$(PATH)

BASE ?=
KASAN ?=
TOPOLOGY ?= default
APPEND ?=
QEMU ?=
CMD ?= true
# CMD reaches the guest unexpanded: make would otherwise expand $VAR in it
# ("echo $VFIO_PM_DEVICES" would print "FIO_PM_DEVICES").
cmd_quoted = '$(subst ','\'',$(value CMD))'

kflags := $(if $(BASE),--base) $(if $(KASAN),--kasan)

.PHONY: all deps base tree export kernel selftests vm check run walk nested bench stress latency docs clean help \
	qemu-tree qemu-export qemu
all: help

help:
	@echo "make check          build, boot and test the series (what CI runs)"
	@echo "make run            nested walk-through: QEMU in the guest assigns a device to a nested guest"
	@echo "                    that writes PMCSR; base and patched side by side [TOPOLOGY=platform, e.g. bridgepr3]"
	@echo "make walk           boot each topology and walk the devices through PMCSR/LOW_POWER with pmcsr"
	@echo "make nested [BASE=1]  the nested walk-through of one kernel (logs in build/results)"
	@echo "make tree           prepare build/linux: base + patches/ (git am)"
	@echo "make export         rewrite patches/ from build/linux base..HEAD"
	@echo "make qemu-tree      prepare build/qemu: QEMU 10.0.2 + qemu-patches/ (the QEMU reference series)"
	@echo "make qemu-export    rewrite qemu-patches/ from build/qemu base..HEAD"
	@echo "make qemu           build qemu-system-x86_64 of build/qemu into the cache"
	@echo "make kernel [BASE=1] [KASAN=1]   build the patched (or base) kernel"
	@echo "make selftests [BASE=1]          build the VFIO selftests"
	@echo "make vm CMD='...' [BASE=1] [TOPOLOGY=platform] [APPEND=...] [QEMU=...]"
	@echo "make bench          base against patched: PMCSR/LOW_POWER latency, hot paths, parallel devices (wall"
	@echo "                    time), and the hot paths in guest instructions (exact mode, QEMU -icount)"
	@echo "                    [BENCH_ROUNDS=N (0: exact mode only)] [BENCH_EXACT_ROUNDS=N (0: wall time only)]"
	@echo "make stress         vfio_pci_pm_stress_test at full length (60 s per mode) on each device"
	@echo "make docs           build Documentation/driver-api/vfio-pci-pm.rst of build/linux"
	@echo "platforms (TOPOLOGY=, config/topologies):"
	@$(S)/platforms.sh --list

deps:
	@$(S)/host-deps.sh

base: deps
	@$(S)/base-repo.sh >/dev/null

tree: base
	@$(S)/tree.sh

export:
	@$(S)/export.sh

qemu-tree: deps
	@$(S)/tree.sh qemu

qemu-export:
	@$(S)/export.sh qemu

build/qemu/.git:
	@$(MAKE) --no-print-directory qemu-tree

qemu: deps build/qemu/.git
	@$(S)/build-qemu.sh

build/linux/.git:
	@$(MAKE) --no-print-directory tree

kernel: deps build/linux/.git
	@$(S)/build-kernel.sh $(kflags)

selftests: kernel
	@$(S)/build-selftests.sh $(if $(BASE),--base)

vm: deps
	@$(S)/vm.sh $(if $(BASE),--base) --topology $(TOPOLOGY) \
		$(if $(APPEND),--append "$(APPEND)") $(if $(QEMU),--qemu "$(QEMU)") -- bash -c $(cmd_quoted)

check: deps
	@$(S)/check.sh $(if $(KASAN),--kasan)

run: deps
	@$(S)/run.sh $(if $(filter command line,$(origin TOPOLOGY)),--topology $(TOPOLOGY))

walk: deps
	@$(S)/walk.sh

nested: deps build/linux/.git
	@$(S)/nested.sh $(if $(BASE),--base)

docs: base build/linux/.git
	@$(S)/docs-check.sh build/linux $${VFIO_PM_CACHE:-$$HOME/.cache/vfio-pci-pm}/src/base build/docs
	@if command -v chromium >/dev/null; then \
		chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1100,4000 \
			--screenshot=build/docs/page.png file://$(CURDIR)/build/docs/index.html >/dev/null 2>&1 && \
		echo "screenshot: build/docs/page.png"; fi

clean:
	rm -rf build

bench: deps build/linux/.git
	@$(S)/build-kernel.sh --base >/dev/null && $(S)/build-kernel.sh >/dev/null && \
		$(if $(filter 0,$(BENCH_EXACT_ROUNDS)),,$(S)/build-kernel.sh --base --perf >/dev/null && \
		$(S)/build-kernel.sh --perf >/dev/null &&) \
		$(S)/build-selftests.sh >/dev/null && $(S)/bench.sh

stress: selftests
	@$(S)/vm.sh --topology $(TOPOLOGY) --results build/results/stress -- env VFIO_PM_STRESS_SECONDS=60 \
		guest/selftests.sh $(TOPOLOGY) $${VFIO_PM_CACHE:-$$HOME/.cache/vfio-pci-pm}/selftests/patched \
		vfio_pci_pm_stress_test && scripts/tap-report.py build/results/stress/$(TOPOLOGY)

latency: deps
	@$(S)/build-kernel.sh --base >/dev/null && $(S)/build-kernel.sh >/dev/null && \
		$(S)/build-selftests.sh >/dev/null && $(S)/latency.sh 2 $(TOPOLOGY)
