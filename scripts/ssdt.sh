#!/usr/bin/env bash
# Compile config/d3cold.asl (the emulated D3cold platform) with iasl into
# the cache, once per version of the source.  Prints the .aml path.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
cache=${VFIO_PM_CACHE:-$HOME/.cache/vfio-pci-pm}
asl=$top/config/d3cold.asl
out=$cache/acpi/d3cold-$(sha256sum "$asl" | cut -c1-16)
if [ ! -f "$out.aml" ]; then
	command -v iasl >/dev/null || { echo "ssdt: iasl missing (make deps: acpica-tools)" >&2; exit 1; }
	mkdir -p "$out.tmp"
	cp "$asl" "$out.tmp/d3cold.asl"
	iasl -p "$out.tmp/d3cold" "$out.tmp/d3cold.asl" >"$out.tmp/iasl.log" 2>&1 ||
		{ cat "$out.tmp/iasl.log" >&2; exit 1; }
	mv "$out.tmp/d3cold.aml" "$out.aml"
	rm -rf "$out.tmp"
fi
echo "$out.aml"
