# Sourced by base-repo.sh, tree.sh and export.sh: the two series the bench
# keeps, each a folder of git format-patch output against a pinned base.
#   linux  patches/       on Linux 7.3.4 (build/linux, VFIO_PM_TREE)
#   qemu   qemu-patches/  on QEMU 10.0.2 (build/qemu, VFIO_PM_QEMU_TREE)
# Sets: project, label, tree, patches, base_cache, fetch, base_author,
# base_email, base_subject, base_body.
project=${1:-linux}
cache=${VFIO_PM_CACHE:-$HOME/.cache/vfio-pci-pm}
case $project in
linux)
	label=tree tree=${VFIO_PM_TREE:-$top/build/linux} patches=$top/patches
	base_cache=$cache/src/base fetch=$here/fetch-base.sh
	base_author="Debian linux-source" base_email=debian-kernel@lists.debian.org
	base_subject="Linux 7.3.4 (Debian linux-source-7.3 7.3.4-1~bpo13+1)"
	base_body="Unpacked from linux-source-7.3.tar.xz (sha256 76df1affb19f24926949369be1d74b60071c963c598ce8780bddd4bbf0fc3bc4)."
	;;
qemu)
	label=qemu-tree tree=${VFIO_PM_QEMU_TREE:-$top/build/qemu} patches=$top/qemu-patches
	base_cache=$cache/qemu/src-base fetch=$here/fetch-qemu.sh
	base_author="Debian QEMU Team" base_email=pkg-qemu-devel@lists.alioth.debian.org
	base_subject="QEMU 10.0.2 (Debian qemu_10.0.2+ds.orig.tar.xz)"
	base_body="sha256 0901da33844a331bf8b3602b9c1fbd178e60b737c8e3ade678255bd090c9b9f1"
	;;
*)
	echo "usage: $0 [linux|qemu]" >&2
	exit 2
	;;
esac
