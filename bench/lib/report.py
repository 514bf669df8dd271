"""The benchmark table: each figure of deskcheck beside the bare Tauri app
and the target. Writes results/table.md and prints it."""

import json
import os
import shutil
import subprocess
import tempfile

MIB = 1024.0
MEMORY_RATIO = 1.2
CPU_PERCENT = 0.1
COLD_START_S = 0.5
JOIN_MEDIAN_S = 0.5
JOIN_P99_S = 2.0
GRAPH_PER_HOUR = 13


class Missing(Exception):
    """A figure the table needs is not in the results."""


def load(out, step):
    path = os.path.join(out, "results", f"{step}.json")
    if not os.path.exists(path):
        return {"error": f"{path} is missing, so the {step} step did not run"}
    with open(path) as file:
        return json.load(file)


def binary_sizes(path):
    """Returns (size as built, size after `strip`) in bytes."""
    with tempfile.TemporaryDirectory() as scratch:
        copy = os.path.join(scratch, "stripped")
        shutil.copyfile(path, copy)
        subprocess.run(["strip", copy], check=True)
        return os.path.getsize(path), os.path.getsize(copy)


def verdict(met):
    return "met" if met else "MISSED"


def mib(kb):
    return f"{kb / MIB:.1f} MiB"


def memory_rows(idle, key, label):
    rows = []
    ours, bare = idle["deskcheck"].get(key), idle["bare"].get(key)
    if ours is None or bare is None:
        reason = idle["deskcheck"].get("window_error") or idle["bare"].get("window_error") or "no sample"
        return [(f"{label}", "not measured", "", "", reason)]
    for field, name in (("rss_anon_kb", "RssAnon, main process"), ("pss_kb", "Pss, main process"),
                        ("tree_pss_kb", "Pss, process and children")):
        ratio = ours[field] / bare[field]
        rows.append((f"{label}: {name}", mib(ours[field]), mib(bare[field]),
                     f"<= {MEMORY_RATIO} x bare", f"{ratio:.2f} x, {verdict(ratio <= MEMORY_RATIO)}"))
    return rows


def session_rows(session):
    if "error" in session:
        raise Missing(f"session: {session['error']}")
    idle, cold = session["idle"], session["cold_start"]
    rows = memory_rows(idle, "memory_idle", f"Idle memory {session['settle_s']:g} s after start")
    rows += memory_rows(idle, "memory_after_window", f"Memory {session['after_window_s']:g} s after closing the window")
    ours, bare = idle["deskcheck"]["cpu"], idle["bare"]["cpu"]
    rows.append((f"Idle CPU over {ours['seconds']:g} s, % of one core", f"{ours['cpu_percent']:.3f} %",
                 f"{bare['cpu_percent']:.3f} %", f"<= {CPU_PERCENT} %", verdict(ours["cpu_percent"] <= CPU_PERCENT)))
    rows.append(("Idle wake-ups (context switches, all threads) per s", f"{ours['wakeups_per_s']:.1f}",
                 f"{bare['wakeups_per_s']:.1f}", "", ""))
    runs = len(cold["deskcheck"]["bus_s"])
    ours, bare = cold["deskcheck"], cold["bare"]
    rows.append((f"Cold start to tray menu on D-Bus, median of {runs} (max)",
                 f"{ours['median_bus_s']:.3f} s ({ours['max_bus_s']:.3f})",
                 f"{bare['median_bus_s']:.3f} s ({bare['max_bus_s']:.3f})", f"<= {COLD_START_S} s",
                 verdict(ours["median_bus_s"] <= COLD_START_S)))
    if "median_log_s" in ours and "median_log_s" in bare:
        rows.append(("Cold start to the `tray icon created` log line, median",
                     f"{ours['median_log_s']:.3f} s", f"{bare['median_log_s']:.3f} s", "", ""))
    return rows


def netjoin_rows(result):
    if "error" in result:
        raise Missing(f"netjoin: {result['error']}")
    if "not_measured" in result:
        return [("Network join to claim, median / p99", f"not measured: {result['not_measured']}", "", "", "")]
    failed = f", {len(result['failures'])} runs without a claim" if result["failures"] else ""
    met = result["median_s"] <= JOIN_MEDIAN_S and result["p99_s"] <= JOIN_P99_S
    return [(f"Network join to claim, median / p99 of {result['claims']} runs{failed}",
             f"{result['median_s']:.3f} / {result['p99_s']:.3f} s", "",
             f"<= {JOIN_MEDIAN_S} / {JOIN_P99_S} s", verdict(met))]


def graph_rows(result):
    if "error" in result:
        raise Missing(f"graph: {result['error']}")
    basis = (f"{result['idle_requests']} requests in {result['idle_syncs']} syncs over "
             f"{result['idle_seconds']:g} s at sync_minutes = {result['sync_minutes']}")
    if "per_hour_at_default" not in result:
        return [("Graph requests per idle hour", f"not measured: no sync after start-up ({basis})", "", "", "")]
    per_hour = result["per_hour_at_default"]
    return [(f"Graph requests per idle hour, SCALED: {result['requests_per_sync']:.2f} per sync x 6 syncs/h "
             f"(default sync_minutes = 10); {basis}", f"{per_hour:.1f}", "",
             f"<= {GRAPH_PER_HOUR}", verdict(per_hour <= GRAPH_PER_HOUR)),
            ("Graph requests during start-up (first sync)", str(result["startup_requests"]), "", "", "")]


def size_rows(deskcheck, bare):
    ours, ours_stripped = binary_sizes(deskcheck)
    theirs, theirs_stripped = binary_sizes(bare)
    # Named after the binary's directory, so a debug run is not labelled release.
    profile = "Release" if "/release/" in str(deskcheck) else "Debug"
    return [(f"{profile} binary, as built", mib(ours / 1024), mib(theirs / 1024), "", ""),
            (f"{profile} binary, stripped", mib(ours_stripped / 1024), mib(theirs_stripped / 1024), "", "")]


def render(rows):
    header = ("Figure", "deskcheck", "bare Tauri 2 tray", "Target", "Result")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def main(args):
    rows, missing = [], []
    for step, build in (("session", session_rows), ("netjoin", netjoin_rows), ("graph", graph_rows)):
        try:
            rows += build(load(args.out, step))
        except (Missing, KeyError) as error:
            missing.append(f"{step}: {error}")
    for path in (args.deskcheck, args.bare):
        if not os.path.isfile(path):
            missing.append(f"binary {path} not found")
    if not missing:
        rows += size_rows(args.deskcheck, args.bare)
    table = render(rows)
    if args.short:
        table = "Short run (--short): seconds instead of minutes, so the figures are not representative.\n\n" + table
    with open(os.path.join(args.out, "results", "table.md"), "w") as file:
        file.write(table)
    print(table)
    for problem in missing:
        print(f"FAIL: {problem}")
    return 1 if missing else 0
