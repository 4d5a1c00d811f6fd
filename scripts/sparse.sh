#!/bin/sh
# sparse for the 7.3 tree with Debian 12's sparse 0.6.4, which predates two
# things the tree uses: __typeof_unqual__ (read as __typeof__ here, which
# only keeps qualifiers sparse would otherwise drop) and __builtin_strlen()
# in the static_assert() of MODULE_INFO() (its "bad constant expression"
# error would hide every warning of the file, so static assertions, which
# the compiler checks anyway, are dropped for sparse).  Used as CHECK= by
# scripts/check.sh.
exec sparse -D__typeof_unqual__=__typeof__ '-D_Static_assert(e,m)=' "$@"
