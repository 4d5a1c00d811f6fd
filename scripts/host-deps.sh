#!/usr/bin/env bash
# Install the host packages the bench needs (Debian 12). Idempotent and quiet
# when everything is already there.
set -euo pipefail

pkgs=(build-essential flex bison bc libelf-dev libssl-dev cpio ccache
      busybox-static pciutils sparse codespell acpica-tools python3-sphinx
      python3-yaml xz-utils git rsync kmod uuid-dev python3-ply python3-git
      abigail-tools dwarves python3-matplotlib
      libglib2.0-dev libpixman-1-dev python3-venv ninja-build)
# QEMU's build (the QEMU reference series) needs meson >= 1.5 and pycotap
# from bookworm-backports
bpo_pkgs=(meson python3-pycotap)

bpo=/etc/apt/sources.list.d/bookworm-backports.list
need_update=0
if [ ! -f "$bpo" ]; then
	echo "deb http://deb.debian.org/debian bookworm-backports main" >"$bpo"
	need_update=1
fi

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
meson_ok=0
if command -v meson >/dev/null &&
   dpkg --compare-versions "$(meson --version)" ge 1.5 &&
   dpkg-query -W -f='${Status}' python3-pycotap 2>/dev/null | grep -q 'ok installed'; then
	meson_ok=1
fi
qemu_ok=0
if command -v qemu-system-x86_64 >/dev/null; then
	qemu-system-x86_64 --version | grep -q 'version 10\.' && qemu_ok=1
fi
[ ${#missing[@]} -eq 0 ] && [ $qemu_ok = 1 ] && [ $meson_ok = 1 ] && exit 0

export DEBIAN_FRONTEND=noninteractive
if [ $need_update = 1 ] || [ ! -d /var/lib/apt/lists ] || \
   ! ls /var/lib/apt/lists/*bookworm-backports* >/dev/null 2>&1; then
	apt-get update -qq
fi
if [ ${#missing[@]} -gt 0 ]; then
	echo "host-deps: installing ${missing[*]}"
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ $qemu_ok = 0 ]; then
	echo "host-deps: installing qemu-system-x86 from bookworm-backports"
	apt-get install -y -qq --no-install-recommends -t bookworm-backports \
		qemu-system-x86 >/dev/null
fi
if [ $meson_ok = 0 ]; then
	echo "host-deps: installing ${bpo_pkgs[*]} from bookworm-backports"
	apt-get install -y -qq --no-install-recommends -t bookworm-backports \
		"${bpo_pkgs[@]}" >/dev/null
fi
qemu-system-x86_64 --version | head -n1
