#!/usr/bin/env bash
# Build a guest kernel (bzImage) from allnoconfig + config/guest.config.
#
#   build-kernel.sh [--base] [--rev REV] [--kasan] [--no-pm] [--perf] [--log FILE]
#
# --base     build the pinned base (tag "base") instead of build/linux's HEAD
# --rev REV  build that commit of build/linux (used for per-patch checks)
# --kasan    add KASAN to the configuration (separate output directory)
# --no-pm    build with CONFIG_PM=n (separate output directory)
# --perf     without the debugging options (lockdep, atomic-sleep checks,
#            kmemleak, lockup and hung-task detectors), for make bench's
#            exact mode (separate output directory, no W=1 pass)
# --l2       the nested guest's kernel: the base source with config/l2.config
#            (no debugging options), no W=1 pass
# --log F    write the full build log to F (warnings included)
#
# Sources are checked out in a cached git worktree and built with O= into a
# cached output directory, so only what a patch changes is rebuilt.  Then
# drivers/vfio is compiled once more with W=1 in a second
# output directory, <out>-w1, whose log, <out>-w1/vfio-warnings.log, holds
# every warning of drivers/vfio.  Prints the output directory.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
cache=${VFIO_PM_CACHE:-$HOME/.cache/vfio-pci-pm}
jobs=${JOBS:-$(nproc)}

variant=patched rev= kasan=0 nopm=0 perf=0 l2=0 log=
while [ $# -gt 0 ]; do
	case $1 in
	--base) variant=base ;;
	--rev) rev=$2; shift ;;
	--kasan) kasan=1 ;;
	--no-pm) nopm=1 ;;
	--perf) perf=1 ;;
	--l2) l2=1 variant=base ;;
	--log) log=$2; shift ;;
	*) echo "build-kernel: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done

base_repo=$("$here/base-repo.sh")
if [ $variant = base ]; then
	src=$base_repo
	sha=$(git -C "$src" rev-parse base)
else
	tree=${VFIO_PM_TREE:-$top/build/linux}
	[ -d "$tree/.git" ] || { echo "build-kernel: $tree missing; run 'make tree'" >&2; exit 1; }
	sha=$(git -C "$tree" rev-parse "${rev:-HEAD}^{commit}")
	src=$cache/src/patched
	if [ ! -d "$src" ]; then
		git -C "$base_repo" worktree prune
		git -C "$base_repo" worktree add -q --detach "$src" base
	fi
	git -C "$base_repo" fetch -q "$tree" "+$sha:refs/heads/build"
	if [ "$(git -C "$src" rev-parse HEAD)" != "$sha" ] || \
	   [ -n "$(git -C "$src" status --porcelain --untracked-files=no)" ]; then
		git -C "$src" checkout -q -f --detach "$sha"
	fi
fi

suffix=
[ $kasan = 1 ] && suffix=$suffix-kasan
[ $nopm = 1 ] && suffix=$suffix-nopm
[ $perf = 1 ] && suffix=$suffix-perf
out=$cache/out/$variant$suffix
[ $l2 = 1 ] && out=$cache/out/l2
mkdir -p "$out"

frag=$(mktemp)
trap 'rm -f "$frag"' EXIT
if [ $l2 = 1 ]; then
	cat "$top/config/l2.config" >"$frag"
else
	cat "$top/config/guest.config" >"$frag"
fi
if [ $kasan = 1 ]; then
	printf 'CONFIG_KASAN=y\nCONFIG_KASAN_GENERIC=y\nCONFIG_KASAN_INLINE=y\n' >>"$frag"
	# kmemleak and KASAN together make the TCG guest too slow
	sed -i '/CONFIG_DEBUG_KMEMLEAK/d' "$frag"
fi
if [ $nopm = 1 ]; then
	# Transparent huge pages serve upstream's vfio_pci_driver_test
	# (config/guest.config), which this kernel does not run: left out,
	# so that a cache from before they came keeps this build
	sed -i '/^CONFIG_PM/d; /CONFIG_PCIE_PME/d; /TRANSPARENT_HUGEPAGE/d' "$frag"
	echo '# CONFIG_PM is not set' >>"$frag"
fi
if [ $perf = 1 ]; then
	sed -i '/PROVE_LOCKING\|DEBUG_ATOMIC_SLEEP\|KMEMLEAK\|SOFTLOCKUP\|HUNG_TASK/d' "$frag"
fi

export CCACHE_DIR=$cache/ccache CCACHE_BASEDIR=$cache CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
export KBUILD_BUILD_TIMESTAMP="2026-01-01" KBUILD_BUILD_USER=vfio-pci-pm KBUILD_BUILD_HOST=bench
mk=(make -s -C "$src" O="$out" -j"$jobs" CC="ccache gcc" HOSTCC="ccache gcc")

# Regenerate the configuration only when the fragment or the sources changed.
stamp="$(sha256sum "$frag" | cut -c1-16)-$sha"
if [ ! -f "$out/.config" ] || [ "$(cat "$out/.config-stamp" 2>/dev/null)" != "$stamp" ]; then
	(cd "$src" && KCONFIG_CONFIG="$out/.config" scripts/kconfig/merge_config.sh -n -O "$out" "$frag" \
		>"$out/merge_config.log" 2>&1) || { cat "$out/merge_config.log" >&2; exit 1; }
	"${mk[@]}" olddefconfig >/dev/null
	# Every option the fragment asks for must have survived the merge.
	dropped=()
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*)
			grep -qxF -- "$line" "$out/.config" || dropped+=("$line (got: $(grep -E "^(# )?${line%%=*}[= ]" "$out/.config" || echo unset))") ;;
		"# CONFIG_"*" is not set")
			o=${line#\# }; o=${o%% *}
			if grep -q "^$o=" "$out/.config"; then dropped+=("$line"); fi ;;
		esac
	done <"$frag"
	if [ ${#dropped[@]} -gt 0 ]; then
		echo "build-kernel: these options of the fragment were dropped by Kconfig:" >&2
		printf '  %s\n' "${dropped[@]}" >&2
		exit 1
	fi
	echo "$stamp" >"$out/.config-stamp"
fi

log=${log:-$out/build.log}
if ! "${mk[@]}" bzImage >"$log" 2>&1; then
	echo "build-kernel: build of $variant$suffix at ${sha:0:12} failed; log: $log" >&2
	grep -E 'error|Error' "$log" | head -n 20 >&2
	exit 1
fi

if [ $l2 = 1 ] || [ $perf = 1 ]; then
	echo "$out"
	exit 0
fi

# drivers/vfio with W=1 and sparse (C=1, scripts/sparse.sh), recompiled
# every time so that all of its warnings are in the log (gcc's end with
# [-W...], sparse's do not).
w1=$out-w1
mkdir -p "$w1"
cmp -s "$out/.config" "$w1/.config" || cp "$out/.config" "$w1/.config"
wlog=$w1/vfio-warnings.log
# The same sources, configuration and checker give the same log: keep it
# (the base's never changes).
wstamp="$stamp-$(cat "$top/scripts/sparse.sh" | sha256sum | cut -c1-16)"
if [ ! -f "$wlog" ] || [ "$(cat "$w1/.w1-stamp" 2>/dev/null)" != "$wstamp" ]; then
	rm -f "$w1/.w1-stamp"
	find "$w1/drivers/vfio" -name '*.o' -delete 2>/dev/null || true
	if ! make -s -C "$src" O="$w1" -j"$jobs" CC="ccache gcc" HOSTCC="ccache gcc" W=1 \
		C=1 CHECK="$top/scripts/sparse.sh" drivers/vfio/ >"$wlog" 2>&1; then
		echo "build-kernel: W=1 build of drivers/vfio failed; log: $wlog" >&2
		grep -E 'error' "$wlog" | head -n 20 >&2
		exit 1
	fi
	echo "$wstamp" >"$w1/.w1-stamp"
fi
[ "$log" = "$out/build.log" ] || cat "$wlog" >>"$log"
echo "$out"
