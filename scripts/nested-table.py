#!/usr/bin/env python3
"""Print the nested walk-through (guest/nested.sh) of the base and the
patched kernel side by side: one table per device, one row per step (what
L2 did and read back, then what L1 saw for the device and its root port,
with the time since L1 started QEMU), then the nested checks and a one-line
verdict.

usage: nested-table.py BASE-RESULTS PATCHED-RESULTS
(each the results directory of scripts/nested.sh; its nested/ subdirectory
holds <device>.tsv and nested_walk@<device>.tap)
"""
import os
import re
import sys

STEPS = [
    ("idle", "idle, before QEMU"),
    ("boot", "L2 at /init"),
    ("d3hot", "L2: PMCSR <- D3hot"),
    ("d0", "L2: PMCSR <- D0"),
    ("kernel_pm_reset", "L2 kernel: PM reset"),
    ("hold", "L2: PMCSR <- D3hot"),
    ("released", "QEMU gone"),
    ("idle_again", "idle again"),
    ("rebound_selftest", "rebind + selftest"),
]
IDS = {"igb": "8086:10c9, NoSoftRst-", "nvme": "1b36:0010, NoSoftRst+",
       "e1000e": "8086:10d3, NoSoftRst-"}
ENDS = {"igb": "QEMU is killed (SIGKILL) while L2 holds D3hot",
        "nvme": "L2 powers off while it holds D3hot",
        "e1000e": "QEMU is killed (SIGKILL) while L2 holds D3hot"}
STATE = {0: "D0", 1: "D1", 2: "D2", 3: "D3hot"}


def kv(text):
    return dict(re.findall(r"(\w+)=(\S+)", text))


def load(d, dev):
    path = os.path.join(d, "nested", dev + ".tsv")
    rows = {}
    try:
        with open(path) as f:
            head = f.readline().rstrip("\n").split("\t")
            for ln in f:
                r = dict(zip(head, ln.rstrip("\n").split("\t")))
                rows[r["step"]] = r
    except OSError:
        pass
    taps = []
    try:
        with open(os.path.join(d, "nested", "nested_walk@%s.tap" % dev)) as f:
            for ln in f:
                m = re.match(r"^(not ok|ok) \d+ (\S+)(?:\s+# SKIP (.*))?", ln)
                if m:
                    taps.append((m.group(1), m.group(2), m.group(3)))
    except OSError:
        pass
    return rows, taps


def l2_text(step, r):
    if not r:
        return ""
    v = kv(r.get("l2", ""))
    if step == "released":
        return "exit %s" % v.get("qemu_exit", "?")
    if step == "rebound_selftest":
        m = re.search(r"pass:(\d+)_fail:(\d+)", r.get("l2", ""))
        return ("pass %s fail %s" % m.groups()) if m else "rc %s" % v.get("vfio_pci_device_test_rc")
    if "pmcsr" not in v:
        return "-"
    s = "%s bar %x" % (STATE[int(v["pmcsr"], 16) & 3], int(v["bar"], 16))
    if step == "kernel_pm_reset":
        res = v.get("result", "?")
        s = res.replace("_", " ") + ("" if res != "done" else " %sms" % v.get("reset_ms", "?"))
    elif "write_ms" in v:
        s += " (%.0fms)" % float(v["write_ms"])
    return s


def l1_text(step, r, prev):
    if not r:
        return ("", "", "")
    t = "%.1f" % (int(r["t_ms"]) / 1000)
    dev = "%s %s" % (r["dev_power"], r["dev_runtime"])
    if step == "kernel_pm_reset" and prev:
        dev += " +%dms" % (int(r["dev_suspended_ms"]) - int(prev["dev_suspended_ms"]))
    return (t, dev, "%s %s" % (r["port_power"], r["port_runtime"]))


def main():
    base_dir, patched_dir = sys.argv[1:3]
    devs = []
    for d in (patched_dir, base_dir):
        nd = os.path.join(d, "nested")
        if os.path.isdir(nd):
            for fn in sorted(os.listdir(nd)):
                if fn.endswith(".tsv") and fn[:-4] not in devs:
                    devs.append(fn[:-4])
    fmt = "  %-20s %-24s| %6s %-22s %-17s| %6s %-22s %-17s"
    verdict_ok = True
    known = []
    for dev in devs:
        b, btap = load(base_dir, dev)
        p, ptap = load(patched_dir, dev)
        print()
        print("%s (%s): %s" % (dev, IDS.get(dev, "?"), ENDS.get(dev, "")))
        print(fmt % ("", "", "", "base: L1 sees", "", "", "patched: L1 sees", ""))
        print(fmt % ("step", "L2 reads (write time)", "t(s)", "device", "port",
                     "t(s)", "device", "port"))
        prevb = prevp = None
        for step, label in STEPS:
            if step not in b and step not in p:
                continue
            l2 = l2_text(step, p.get(step)) or l2_text(step, b.get(step))
            bl = l1_text(step, b.get(step), prevb)
            pl = l1_text(step, p.get(step), prevp)
            print(fmt % ((label, l2[:24]) + bl + pl))
            prevb, prevp = b.get(step), p.get(step)
        nfail = [t for t in ptap if t[0] == "not ok"]
        npass = [t for t in ptap if t[0] == "ok" and not t[2]]
        print("  nested checks, patched: %d passed, %d failed%s" % (
            len(npass), len(nfail),
            "".join("; FAILED %s" % t[1] for t in nfail)))
        bfail = [t for t in btap if t[0] == "not ok"]
        bknown = [t for t in btap if t[2]]
        print("  nested checks, base:    %d passed, %d failed, %d known difference(s)%s" % (
            len([t for t in btap if t[0] == "ok" and not t[2]]), len(bfail), len(bknown),
            "".join("\n    known difference: %s: %s" % (t[1], t[2].split(": ", 1)[-1])
                    for t in bknown)))
        if nfail or not ptap:
            verdict_ok = False
        known += bknown
    print()
    if not devs:
        print("verdict: FAIL - no nested results (see the logs)")
        return 1
    if verdict_ok:
        print("verdict: patched PASS - while L2 holds D3hot the device is runtime-suspended in L1 "
              "(its port too), L2's PM reset goes through runtime suspend, and after QEMU is "
              "killed or L2 powers off the next user gets a working device; the base %s" % (
                  "shows the known difference (device runtime-active while L2 holds D3hot)"
                  if known else "shows no difference"))
    else:
        print("verdict: patched FAIL - see the failed nested checks above")
    return 0 if verdict_ok else 1


if __name__ == "__main__":
    sys.exit(main())
