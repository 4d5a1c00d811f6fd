#!/usr/bin/env python3
"""Summarise kselftest TAP files written by guest/selftests.sh.

usage: tap-report.py DIR [DIR...]

Each DIR holds <test>@<device>.tap and .rc files.  Prints a table with one
row per test case and device column, every skip with its reason, every
failure, and ends with the line "N passed, N failed, N skipped".  Exits 1
if anything failed (a binary that exits non-zero without reporting a failed
case counts as a failure too).
"""
import collections
import os
import re
import sys

line_re = re.compile(r"^(not ok|ok) \d+ (\S+)(?:\s+#\s*(SKIP|XFAIL|TODO)\s*(.*))?$")
plan_skip_re = re.compile(r"^1\.\.0 # SKIP")
results = collections.OrderedDict()   # (tag, case) -> {device: status}
devices = []
skips, fails = [], []
npass = nfail = nskip = 0

for d in sys.argv[1:]:
    tag = os.path.basename(os.path.normpath(d))
    for fn in sorted(os.listdir(d)):
        if not fn.endswith(".tap"):
            continue
        test, dev = fn[:-4].split("@", 1)
        if dev not in devices:
            devices.append(dev)
        path = os.path.join(d, fn)
        with open(path, errors="replace") as f:
            text = f.read().splitlines()
        try:
            rc = int(open(path[:-4] + ".rc").read().strip())
        except (OSError, ValueError):
            rc = -1
        ncase = nbad = 0
        reason_for = {}
        last_comment = ""
        for ln in text:
            if ln.startswith("#"):
                last_comment = ln.lstrip("# ").strip()
            m = line_re.match(ln.strip())
            if not m:
                continue
            ncase += 1
            status, case, directive, reason = m.groups()
            key = (tag, case)
            if status == "not ok":
                st = "FAIL"
            elif directive == "SKIP":
                st = "skip"
                reason = (reason or last_comment or "no reason given").strip()
            else:
                st = "pass"
            results.setdefault(key, {})[dev] = st
            if st == "pass":
                npass += 1
            elif st == "skip":
                nskip += 1
                skips.append(f"{tag}/{case} on {dev}: {reason}")
            else:
                nfail += 1
                nbad += 1
                fails.append(f"{tag}/{case} on {dev} (see {path})")
        if ncase == 0 and rc == 4:
            # The whole program skipped (kselftest's KSFT_SKIP) before
            # any case, e.g. no selftests driver for this device.
            reason = next((l for l in reversed(text) if l.strip()), "no reason given")
            reason = re.sub(r"^1\.\.0 # SKIP ", "", reason.strip())
            results.setdefault((tag, test), {})[dev] = "skip"
            nskip += 1
            skips.append(f"{tag}/{test} on {dev}: {reason}")
            continue
        if ncase == 0 or (rc not in (0, 4) and nbad == 0):
            # No case reported, or a crash/timeout after the last case.
            key = (tag, test + " (binary)")
            results.setdefault(key, {})[dev] = "FAIL"
            nfail += 1
            tail = " | ".join(text[-3:])
            fails.append(f"{tag}/{test} on {dev}: exit {rc}, {ncase} case(s) reported: {tail} (see {path})")

w = max([len(f"{t}/{c}") for t, c in results] + [20])
print(f"{'test case':<{w}}  " + "  ".join(f"{d:<7}" for d in devices))
for (tag, case), row in results.items():
    print(f"{tag + '/' + case:<{w}}  " + "  ".join(f"{row.get(d, '-'):<7}" for d in devices))
if skips:
    print("\nskipped:")
    for s in skips:
        print("  " + s)
if fails:
    print("\nFAILED:")
    for s in fails:
        print("  " + s)
print(f"\n{npass} passed, {nfail} failed, {nskip} skipped")
sys.exit(1 if nfail else 0)
