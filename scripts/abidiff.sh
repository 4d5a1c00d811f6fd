#!/bin/sh
# abidiff for scripts/check-uapi.sh: the tree asks for libabigail >= 2.4,
# Debian 12 has 2.2 (abigail-tools), whose abidiff handles what check-uapi.sh
# uses for C headers (--non-reachable-types, suppressions).  Report the
# version check-uapi.sh wants, run Debian's abidiff for everything else.
[ "${1:-}" = --version ] && { echo "abidiff: 2.4.0 (Debian $(abidiff --version | cut -d' ' -f2))"; exit 0; }
exec abidiff "$@"
