#!/usr/bin/env bash
# Compile an ACPI source of a platform (config/topologies/*.asl) with iasl
# into the cache, once per version of the source.  Prints the .aml path.
#   ssdt.sh FILE.asl
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
cache=${VFIO_PM_CACHE:-$HOME/.cache/vfio-pci-pm}
asl=${1:?usage: ssdt.sh FILE.asl}
name=$(basename "$asl" .asl)
out=$cache/acpi/$name-$(sha256sum "$asl" | cut -c1-16)
if [ ! -f "$out.aml" ]; then
	command -v iasl >/dev/null || { echo "ssdt: iasl missing (make deps: acpica-tools)" >&2; exit 1; }
	mkdir -p "$out.tmp"
	cp "$asl" "$out.tmp/$name.asl"
	iasl -p "$out.tmp/$name" "$out.tmp/$name.asl" >"$out.tmp/iasl.log" 2>&1 ||
		{ cat "$out.tmp/iasl.log" >&2; exit 1; }
	mv "$out.tmp/$name.aml" "$out.aml"
	rm -rf "$out.tmp"
fi
echo "$out.aml"
