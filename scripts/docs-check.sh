#!/usr/bin/env bash
# Build Documentation/driver-api/vfio-pci-pm.rst of a tree on its own with
# Sphinx (Debian's python3-sphinx) and the tree's kernel-doc extension, and
# fail on any warning the page brings.  A kernel-doc directive parses the
# whole file it names, so the warnings kernel-doc already gives for that
# file in the base tree (include/uapi/linux/vfio.h's ioctl comments) are
# reported as pre-existing and not counted.  Prints the HTML page's path.
#   docs-check.sh TREE BASETREE OUTDIR
set -euo pipefail
src=$(cd "$1" && pwd)
base=$(cd "$2" && pwd)
out=$3
page=$src/Documentation/driver-api/vfio-pci-pm.rst
[ -f "$page" ] || { echo "docs-check: no $page" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$page" "$tmp/index.rst"
cat >"$tmp/conf.py" <<'PY'
import ast, os, sys
srctree = os.environ["srctree"]
sys.path.insert(0, os.path.join(srctree, "Documentation", "sphinx"))
# The kernel's list of attributes the C domain must ignore (__user, ...)
for node in ast.parse(open(os.path.join(srctree, "Documentation", "conf.py")).read()).body:
    if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "c_id_attributes":
        c_id_attributes = ast.literal_eval(node.value)
project = "vfio-pci-pm"
master_doc = "index"
extensions = ["kerneldoc", "automarkup"]
kerneldoc_srctree = srctree
primary_domain = "c"
highlight_language = "none"
html_theme = "alabaster"
PY
rm -rf "$out"
mkdir -p "$out"
srctree=$src /usr/bin/python3 -m sphinx -b html -q -d "$tmp/doctrees" "$tmp" "$out" \
	>"$out/sphinx.log" 2>&1 || { cat "$out/sphinx.log" >&2; echo "docs-check: Sphinx failed" >&2; exit 1; }
# kernel-doc's warnings on the base versions of the files the page includes
files=$(sed -n 's/^\.\. kernel-doc:: //p' "$page" | sort -u)
: >"$tmp/base.txt"
for f in $files; do
	[ -f "$base/$f" ] || continue
	(cd "$base" && PATH=/usr/bin:$PATH scripts/kernel-doc -none "$f" 2>&1) >>"$tmp/base.txt" || true
done
/usr/bin/python3 - "$out/sphinx.log" "$tmp/base.txt" "$src" <<'PY'
import re, sys
log, basef, src = sys.argv[1:]
def norm(path, msg):
    return path.replace(src + "/", "") + ": " + msg.strip()
base = set()
for l in open(basef):
    m = re.match(r"Warning: ([^:]+):\d+ (.*)", l)
    if m:
        base.add(norm(m.group(1), m.group(2)))
new, old = [], 0
for l in open(log):
    if not re.search(r"(^|\s)(WARNING|ERROR|SEVERE|CRITICAL):", l):
        continue
    m = re.match(r"WARNING: ([^:]+):\d+ (.*)", l)
    if m and norm(m.group(1), m.group(2)) in base:
        old += 1
        continue
    new.append(l.rstrip())
print("docs-check: %d warning(s) kernel-doc already gives on the base's files, not counted" % old, file=sys.stderr)
if new:
    print("\n".join(new), file=sys.stderr)
    sys.exit(1)
PY
echo "$out/index.html"
