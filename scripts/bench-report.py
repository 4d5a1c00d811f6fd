#!/usr/bin/env python3
"""Aggregate vfio_pci_pm_bench results of scripts/bench.sh.

    bench-report.py [--accel A] [--seconds S] [--out DIR] RAW.jsonl...

Every input line is one JSON object (see guest/bench.sh and the benchmark):
samples in ns per metric, device, kernel variant, topology, boot ("round")
and mode ("wall": TCG wall time, "exact": QEMU instruction counting).

Wall mode: a table of median, p90 per variant, patched/base ratio of the
medians of all samples pooled over the boots, and the per-round ratios and
their spread (max - min); a target whose margin is narrower than that
spread is reported "within noise", not met or missed.
Exact mode: guest time is 2^shift ns per guest instruction (shift 0: one
ns per instruction), so the median of a path is its cost in guest
instructions (plus the two clock reads around each access, which
bar_mmap_read, a single load, shows); a table of base, patched, the
difference per access, the ratio, and how far the boots of one kernel
agree.  The hot paths' target (patched/base <= 1.01) is decided there.

Writes DIR/bench.json (every sample, the summaries, the targets) and
DIR/bench.png (wall-time distributions, base against patched).
"""
import argparse
import datetime
import json
import statistics
import sys
from collections import defaultdict

HOT = ["bar_region_read", "config_read", "pmcsr_read", "bar_mmap_read", "get_info"]
D3READ = ["config_read_d3hot", "pmcsr_read_d3hot"]
ORDER = ["pmcsr_d0_d3hot", "pmcsr_d3hot_d0", "low_power_entry", "low_power_entry_suspended",
         "low_power_exit"] + HOT + D3READ + ["parallel_wall", "parallel_per_device"]
MS = {"pmcsr_d0_d3hot", "pmcsr_d3hot_d0", "low_power_entry", "low_power_entry_suspended",
      "low_power_exit", "parallel_wall", "parallel_per_device"}
DEV_ORDER = {"igb": 0, "nvme": 1, "e1000e": 2}
PMCSR_WRITES = {"pmcsr_d0_d3hot", "pmcsr_d3hot_d0"}
HOT_TARGET = 1.02
EXACT_TARGET = 1.01
PAR_TARGET = 1.5


def pct(v, p):
    """p-th percentile (0-100) of a list, linear interpolation."""
    v = sorted(v)
    if not v:
        return float("nan")
    k = (len(v) - 1) * p / 100
    f = int(k)
    c = min(f + 1, len(v) - 1)
    return v[f] + (v[c] - v[f]) * (k - f)


def load(paths):
    series, exact, other = [], [], defaultdict(list)
    for path in paths:
        for ln in open(path):
            ln = ln.strip()
            if not ln:
                continue
            d = json.loads(ln)
            if "samples" in d:
                (exact if d.get("mode") == "exact" else series).append(d)
            else:
                other[d["metric"]].append(d)
    return series, exact, other


def summarize_exact(exact):
    """Per metric and device: median guest instructions per variant and boot."""
    med = defaultdict(lambda: defaultdict(dict))         # key -> variant -> round -> median
    extra = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    shift = {}
    for d in exact:
        k = (d["metric"], d.get("name", "?"), d.get("topology", "default"))
        s = [x for x in d["samples"] if x < 2**63]
        scale = 1e3 if d["metric"] in MS else 1
        if s:
            med[k][d["variant"]][d.get("round", 0)] = statistics.median(s) / scale
        for f in ("errors", "port_suspended"):
            extra[k][d["variant"]][f] += d.get(f, 0)
        extra[k][d["variant"]]["count"] += len(d["samples"])
        shift[k] = d.get("icount_shift", 0)
    rows = []
    for k in sorted(med, key=lambda k: (k[2] != "default", ORDER.index(k[0]) if k[0] in ORDER else 99,
                                        DEV_ORDER.get(k[1], 9))):
        metric, name, topo = k
        # Transitions sleep: their icount time is not an instruction count
        unit = "us (icount)" if metric in MS else "instructions" if shift[k] == 0 else f"{2 ** shift[k]} ns"
        r = {"topology": topo, "metric": metric, "device": name, "unit": unit}
        for v in ("base", "patched"):
            m = med[k].get(v)
            if m:
                vals = [m[i] for i in sorted(m)]
                r[v] = {"median": statistics.median(vals), "rounds": vals, "spread": max(vals) - min(vals),
                        **extra[k][v]}
        if "base" in r and "patched" in r:
            r["diff"] = r["patched"]["median"] - r["base"]["median"]
            r["ratio"] = r["patched"]["median"] / r["base"]["median"]
        rows.append(r)
    return rows


def exact_note(r):
    if "ratio" not in r:
        return ""
    if r["metric"] in HOT:
        return "target <= %.2f: %s" % (EXACT_TARGET, "met" if r["ratio"] <= EXACT_TARGET else "MISSED")
    if r["metric"] in D3READ:
        return "in the user's D3hot: base direct D3hot, patched runtime suspended (no wake-up)"
    if r["metric"] == "pmcsr_d3hot_d0" and r["topology"] == "portpm":
        ps = [f"{r[v].get('port_suspended', 0)}/{r[v].get('count', 0)}" for v in ("base", "patched") if v in r]
        return "icount time incl. sleeps; port suspended " + " / ".join(ps)
    if r["metric"] in MS:
        return "icount time incl. sleeps"
    return ""


def exact_table(rows):
    hdr = ["topology", "metric", "device", "unit", "base", "patched", "diff", "ratio", "boots agree (base/patched)",
           "note"]
    out = []
    for r in rows:
        b, p = r.get("base", {}), r.get("patched", {})
        agree = " / ".join("exact" if x["spread"] == 0 else f"+-{x['spread']:g}" if len(x["rounds"]) > 1 else "1 boot"
                           for x in (b, p) if x)
        out.append([r["topology"], r["metric"], r["device"], r["unit"], f"{b['median']:g}" if b else "-",
                    f"{p['median']:g}" if p else "-", f"{r['diff']:+g}" if "diff" in r else "-",
                    f"{r['ratio']:.4f}" if "ratio" in r else "-", agree, exact_note(r)])
    w = [max(len(str(x[i])) for x in out + [hdr]) for i in range(len(hdr))]
    lines = []
    for i, x in enumerate([hdr] + out):
        cells = [str(c).ljust(w[j]) if j in (0, 1, 2, 3, 8, 9) else str(c).rjust(w[j]) for j, c in enumerate(x)]
        lines.append("  ".join(cells).rstrip())
        if i == 0:
            lines.append("  ".join("-" * n for n in w[:-1]) + "  " + "-" * 4)
    return "\n".join(lines)


def key_of(d):
    return (d["topology"], d["metric"], d.get("name", "?"), d.get("n", 0))


def sort_key(k):
    topo, metric, name, n = k
    return (ORDER.index(metric) if metric in ORDER else 99, topo != "default",
            DEV_ORDER.get(name, 9), n)


def summarize(series, floors):
    groups = defaultdict(lambda: defaultdict(list))      # key -> variant -> samples
    rounds = defaultdict(lambda: defaultdict(dict))      # key -> variant -> round -> samples
    extra = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    bdf = {}
    for d in series:
        k = key_of(d)
        v = d["variant"]
        s = [x for x in d["samples"] if x < 2**63]       # -1 (error) is 2^64-1
        groups[k][v] += s
        rounds[k][v].setdefault(d.get("round", 0), []).extend(s)
        bdf[k] = d["device"]
        for f in ("errors", "rpm_suspended", "port_suspended"):
            if f in d:
                extra[k][v][f] += d[f]
        extra[k][v]["count"] += len(d["samples"])
    rows = []
    for k in sorted(groups, key=sort_key):
        topo, metric, name, n = k
        scale = 1e6 if metric in MS else 1e3
        r = {"topology": topo, "metric": metric, "device": name, "bdf": bdf[k],
             "unit": "ms" if metric in MS else "us"}
        if n:
            r["n"] = n
        for v in ("base", "patched"):
            s = groups[k].get(v)
            if s:
                r[v] = {"median": statistics.median(s) / scale, "p90": pct(s, 90) / scale,
                        "samples": len(s), **extra[k][v]}
        if "base" in r and "patched" in r:
            r["ratio"] = r["patched"]["median"] / r["base"]["median"]
            rr = [statistics.median(rounds[k]["patched"][i]) / statistics.median(rounds[k]["base"][i])
                  for i in rounds[k]["patched"] if i in rounds[k]["base"]]
            if rr:
                r["round_ratios"] = rr
        if metric in PMCSR_WRITES and name in floors:
            r["floor"] = floors[name]
        rows.append(r)
    return rows


def fmt(x):
    return "-" if x is None else (f"{x:.3f}" if x < 10 else f"{x:.2f}" if x < 1000 else f"{x:.0f}")


def spread(r):
    rr = r.get("round_ratios")
    return max(rr) - min(rr) if rr and len(rr) > 1 else None


def wall_verdict(r):
    """met / MISSED, or "within noise" when the boots disagree by more than the margin."""
    sp = spread(r)
    if sp is None or sp > HOT_TARGET - 1:
        return "within noise" + (f" (spread {sp:.3f} > {HOT_TARGET - 1:.2f})" if sp is not None else " (1 boot)")
    return "met" if r["ratio"] <= HOT_TARGET else "MISSED"


def note_of(r):
    notes = []
    if "floor" in r:
        f = r["floor"]["value"] / 1e6
        above = [f"{r[v]['median'] - f:.2f}" for v in ("base", "patched") if v in r]
        notes.append(f"floor {f:g} ms ({r['floor']['source']}), above: {' / '.join(above)}")
    if r["metric"].startswith("pmcsr_d3hot_d0") and r["topology"] == "portpm":
        ps = [f"{r[v].get('port_suspended', 0)}/{r[v]['samples']}" for v in ("base", "patched") if v in r]
        notes.append("port suspended " + " / ".join(ps))
    if r["metric"] in HOT and "ratio" in r:
        notes.append("target <= %.2f: %s" % (HOT_TARGET, wall_verdict(r)))
    errs = [f"{v} {r[v]['errors']}" for v in ("base", "patched") if v in r and r[v].get("errors")]
    if errs:
        notes.append("errors: " + ", ".join(errs))
    return "; ".join(notes)


def table(rows):
    hdr = ["topology", "metric", "device", "unit", "base med", "base p90", "patch med", "patch p90",
           "ratio", "round ratios", "spread", "note"]
    out = []
    for r in rows:
        name = r["device"] + (f" x{r['n']}" if "n" in r else "")
        b, p = r.get("base", {}), r.get("patched", {})
        rr = r.get("round_ratios")
        out.append([r["topology"], r["metric"], name, r["unit"], fmt(b.get("median")), fmt(b.get("p90")),
                    fmt(p.get("median")), fmt(p.get("p90")),
                    f"{r['ratio']:.3f}" if "ratio" in r else "-",
                    f"{min(rr):.3f}-{max(rr):.3f}" if rr else "-",
                    f"{spread(r):.3f}" if spread(r) is not None else "-", note_of(r)])
    w = [max(len(str(x[i])) for x in out + [hdr]) for i in range(len(hdr))]
    lines = []
    for i, x in enumerate([hdr] + out):
        cells = [str(c).ljust(w[j]) if j in (0, 1, 2, 3, 11) else str(c).rjust(w[j]) for j, c in enumerate(x)]
        lines.append("  ".join(cells).rstrip())
        if i == 0:
            lines.append("  ".join("-" * n for n in w[:-1]) + "  " + "-" * 4)
    return "\n".join(lines)


def targets(rows, xrows):
    res = []
    xhot = [r for r in xrows if r["metric"] in HOT and "ratio" in r]
    if xhot:
        missed = [r for r in xhot if r["ratio"] > EXACT_TARGET]
        res.append({"target": f"hot paths, exact mode: patched/base guest instructions <= {EXACT_TARGET}",
                    "met": not missed,
                    "detail": ", ".join(f"{r['metric']}@{r['device']} {r['ratio']:.4f} ({r['diff']:+g})"
                                        for r in xhot)})
        counted = [r for r in xrows if r["unit"] == "instructions"]
        split = sorted({f"{r['metric']}@{r['device']}" for r in counted for v in ("base", "patched")
                        if v in r and r[v]["spread"]})
        timed = [r[v]["spread"] for r in xrows if r["unit"] != "instructions" for v in ("base", "patched") if v in r]
        res.append({"target": "exact mode deterministic: every boot of a kernel gives the same instruction count",
                    "met": not split,
                    "detail": ", ".join(split) or
                    f"{len(counted)} metrics, {max(len(r[v]['rounds']) for r in counted for v in ('base', 'patched') if v in r)}"
                    " boots per kernel"
                    + (f"; transitions (icount time with sleeps): boots within {max(timed):.3f} us" if timed else "")})
    hot = [r for r in rows if r["metric"] in HOT and "ratio" in r]
    if hot:
        verdicts = [wall_verdict(r) for r in hot]
        d = {"target": f"hot paths, wall time: patched/base median ratio <= {HOT_TARGET}",
             "detail": ", ".join(f"{r['metric']}@{r['device']} {r['ratio']:.3f} ({wall_verdict(r)})" for r in hot)}
        if all(v in ("met", "MISSED") for v in verdicts):
            d["met"] = all(v == "met" for v in verdicts)
        else:
            d["state"] = "within noise: decided by the exact mode" if xhot else "within noise"
        res.append(d)
    par = {(r["n"], v): r[v]["median"] for r in rows if r["metric"] == "parallel_wall"
           for v in ("base", "patched") if v in r}
    ns = sorted({n for n, _ in par})
    for v in ("patched", "base"):
        if (1, v) in par and ns and (ns[-1], v) in par and ns[-1] > 1:
            x = par[(ns[-1], v)] / par[(1, v)]
            n = ns[-1]
            ser = (par[(n, v)] - par[(1, v)]) / ((n - 1) * par[(1, v)])
            d = {"target": f"parallel ({v}): {n} devices' wall time within {PAR_TARGET}x of 1",
                 "ratio": x, "serialized_fraction": ser,
                 "detail": ", ".join(f"{m}: {par[(m, v)]:.2f} ms" for m in ns if (m, v) in par)
                 + f"; fully serialized would be {n * par[(1, v)]:.1f} ms, measured excess over 1 device"
                 f" = {100 * ser:.0f}% of that"}
            if v == "patched":
                d["met"] = x <= PAR_TARGET
            res.append(d)
    return res


def plot(rows, series, path, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = defaultdict(list)
    for d in series:
        data[(key_of(d), d["variant"])] += [x for x in d["samples"] if x < 2**63]
    panels = [
        ("PMCSR write, default topology (ms)", lambda k: k[1] in PMCSR_WRITES and k[0] == "default", 1e6, False),
        ("PMCSR write, port-PM topology, 200 ms in D3hot (ms)",
         lambda k: k[1] in PMCSR_WRITES and k[0] == "portpm", 1e6, False),
        ("LOW_POWER_ENTRY / EXIT (ms)", lambda k: k[1] in ("low_power_entry", "low_power_exit"), 1e6, False),
        ("hot paths (us, log)", lambda k: k[1] in HOT, 1e3, True),
        ("parallel D0->D3hot->D0, wall time (ms)", lambda k: k[1] == "parallel_wall", 1e6, False),
    ]
    short = {"pmcsr_d0_d3hot": "D0->D3hot", "pmcsr_d3hot_d0": "D3hot->D0", "low_power_entry": "entry",
             "low_power_exit": "exit", "bar_region_read": "region", "config_read": "config",
             "bar_mmap_read": "mmap", "get_info": "GET_INFO", "parallel_wall": ""}
    fig, axes = plt.subplots(3, 2, figsize=(16, 15))
    for ax in axes.flat[len(panels):]:
        ax.axis("off")
    colors = {"base": "#1f77b4", "patched": "#ff7f0e"}
    for ax, (ptitle, sel, scale, log) in zip(axes.flat, panels):
        keys = sorted({k for (k, v) in data if sel(k)}, key=sort_key)
        pos, labels, i = [], [], 0
        for k in keys:
            for j, v in enumerate(("base", "patched")):
                s = data.get((k, v))
                if not s:
                    continue
                b = ax.boxplot([x / scale for x in s], positions=[i + j * 0.4], widths=0.35,
                               whis=(5, 95), showfliers=False, patch_artist=True,
                               medianprops={"color": "black"})
                for box in b["boxes"]:
                    box.set_facecolor(colors[v])
            pos.append(i + 0.2)
            lab = f"{k[2]}\n{short.get(k[1], k[1])}" if k[1] != "parallel_wall" else f"{k[3]} dev"
            labels.append(lab)
            i += 1
        ax.set_xticks(pos)
        ax.set_xticklabels(labels, fontsize=8)
        ax.set_title(ptitle)
        if log:
            ax.set_yscale("log")
        if ptitle.startswith("PMCSR"):
            ax.axhline(10, color="gray", linestyle="--", linewidth=1)
            ax.text(-0.4, 10, " d3hot delay (10 ms)", va="bottom", fontsize=8, color="gray")
        if ptitle.startswith("parallel"):
            one = [statistics.median(data[(k, "patched")]) / scale for k in keys if k[3] == 1
                   and (k, "patched") in data]
            if one:
                ax.axhline(one[0] * PAR_TARGET, color="red", linestyle=":", linewidth=1)
                ax.text(-0.4, one[0] * PAR_TARGET, " 1.5x patched @1", va="bottom", fontsize=8, color="red")
        ax.grid(axis="y", alpha=0.3)
    handles = [matplotlib.patches.Patch(color=c, label=v) for v, c in colors.items()]
    fig.legend(handles=handles, loc="upper right")
    fig.suptitle(title + "\nboxes: quartiles and median, whiskers: p5 and p95 (all samples of all boots)")
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    fig.savefig(path, dpi=80)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--accel", default="tcg")
    ap.add_argument("--seconds", type=int)
    ap.add_argument("--waited", type=int, help="seconds of --seconds spent waiting for other guests")
    ap.add_argument("--out")
    ap.add_argument("raw", nargs="+")
    a = ap.parse_args()

    series, exact, other = load(a.raw)
    if not series and not exact:
        sys.exit("bench-report: no samples")
    floors = {}
    for d in other.get("d3hot_delay", []):
        floors[d.get("name")] = {"value": d["value"], "source": d["source"]}
    rows = summarize(series, floors)
    xrows = summarize_exact(exact)
    tg = targets(rows, xrows)

    guests = other.get("guest", [])
    kernels = {g["variant"] + ("" if g.get("mode", "wall") == "wall" else " (" + g["mode"] + ")"): g["kernel"]
               for g in guests}
    devs = {}
    for g in guests:
        if g["topology"] == "default":
            devs = g["devices"]
    boots = other.get("boot", [])
    nboots = defaultdict(int)
    for b in boots:
        nboots[(b["variant"], "exact" if b.get("mode") == "exact" else b["topology"])] += 1
    date = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    meta = {"date": date, "accelerator": a.accel, "devices": devs, "kernels": kernels,
            "boots": {f"{v}/{t}": n for (v, t), n in sorted(nboots.items())},
            "total_seconds": a.seconds, "waited_seconds": a.waited,
            "guest_cpus": guests[0].get("cpus") if guests else None,
            "host": (other.get("host") or [{}])[0],
            "low_power_feature": {v: sorted({i["low_power_feature"] for i in other.get("info", [])
                                             if i.get("variant") == v}) for v in ("base", "patched")},
            "ratio": "patched median / base median, samples pooled over the boots; "
                     "round ratios: the same per round (boot pair)"}

    print(f"vfio_pci_pm_bench: base vs patched  date {date}  accel {a.accel}  "
          f"boots {' '.join(f'{k}={n}' for k, n in meta['boots'].items())}"
          + (f"  total {a.seconds} s" if a.seconds else "")
          + (f" ({a.waited} s waiting for other guests)" if a.waited else ""))
    h = meta["host"]
    if h:
        print(f"host: {h.get('cpus')} x {h.get('cpu')}, {h.get('qemu')}; guest: {meta['guest_cpus']} vCPUs, "
              f"single-threaded TCG" if a.accel == "tcg" else f"host: {h.get('cpus')} x {h.get('cpu')}")
    print(f"devices (default topology): {devs}")
    for v, k in sorted(kernels.items()):
        print(f"kernel {v}: {k}; VFIO_DEVICE_FEATURE_POWER_POLICY: {meta['low_power_feature'][v.split()[0]]}"
              + (f"; source {h['patched_source']}" if v == "patched" and h.get("patched_source") else ""))
    if rows:
        print()
        print("wall time (TCG): spread = max - min of the per-round ratios")
        print(table(rows))
    if xrows:
        sh = {d.get("icount_shift", 0) for d in exact}
        print()
        print(f"exact mode (QEMU -icount shift={'/'.join(map(str, sorted(sh)))}, 1 vCPU, kernels without "
              "debugging options): median guest instructions per access, clock reads included")
        print(exact_table(xrows))
    print()
    print("targets:")
    for t in tg:
        state = t.get("state", "") if "met" not in t else ("met" if t["met"] else "MISSED")
        x = f" ratio {t['ratio']:.3f}" if "ratio" in t else ""
        print(f"  {t['target']}:{x} {state}".rstrip())
        print(f"    {t['detail']}")

    if a.out:
        with open(f"{a.out}/bench.json", "w") as f:
            json.dump({"meta": meta, "boots": boots, "summary": rows, "exact": xrows, "targets": tg,
                       "floors": floors, "series": series, "exact_series": exact}, f)
        try:
            if series:
                plot(rows, series, f"{a.out}/bench.png",
                     f"vfio-pci PM series vs base: {a.accel.upper()}, {date[:10]}, "
                     f"{max(nboots.values()) if nboots else 0} boots per kernel and topology")
        except ImportError as e:
            print(f"bench-report: no plot ({e}); install python3-matplotlib", file=sys.stderr)


if __name__ == "__main__":
    main()
