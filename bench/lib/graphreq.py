"""Graph requests of an idle `deskcheck --demo watch`, counted from the
simulated tenant's "request handled" log lines.

The watch runs with `[check_in] sync_minutes = 1`, so an hour's worth of
syncs happens in minutes. Requests during start-up (up to the first
"sync done") are reported apart. The idle figure is the number of Graph
requests per sync cycle after start-up, scaled to the syncs of one hour at
the default period of 10 minutes.
"""

import os
import shutil
import signal
import time

import logs
from apps import App, start_app

SYNC_MINUTES = 1
DEFAULT_SYNC_MINUTES = 10
GRAPH_PREFIX = "/v1.0/"


def write_config(path):
    with open(path, "w") as config:
        config.write(f"[check_in]\nsync_minutes = {SYNC_MINUTES}\n")


def count(log_path):
    """Splits the Graph requests in the log into start-up and idle ones."""
    first_sync = last_sync = None
    syncs_after_start = 0
    startup, idle, identity = [], [], 0
    # Requests of a sync cut short by the stop are not counted.
    idle_complete = 0
    for stamp, rest in logs.events(log_path):
        if rest.startswith("sync done"):
            if first_sync is None:
                first_sync = stamp
            else:
                syncs_after_start += 1
                idle_complete = len(idle)
            last_sync = stamp
            continue
        if not rest.startswith("request handled"):
            continue
        path = logs.fields(rest).get("path", "")
        if not path.startswith(GRAPH_PREFIX):
            identity += 1
            continue
        (startup if first_sync is None else idle).append(path)
    return first_sync, last_sync, syncs_after_start, startup, idle[:idle_complete], identity


def measure(binary, seconds, out_dir):
    os.makedirs(os.path.join(out_dir, "logs"), exist_ok=True)
    config = os.path.join(out_dir, "graph-config.toml")
    write_config(config)
    log = os.path.join(out_dir, "logs", "graph-watch.log")
    # A copy of its own, so this process shares no file pages with the tray
    # app measured at the same time and the tray app's Pss stays its own.
    copy = os.path.join(out_dir, "graph-deskcheck")
    shutil.copy2(binary, copy)
    app = App("deskcheck", copy, ["--demo", "--config", config, "watch", "-vv"])
    running = start_app(app, os.path.join(out_dir, "homes", "graph"), log)
    time.sleep(seconds)
    if not running.alive():
        return {"error": f"`deskcheck --demo watch` exited with {running.proc.returncode}\n{running.log_tail()}"}
    running.stop(signal.SIGINT)
    return summarize(*count(log))


def summarize(first_sync, last_sync, syncs, startup, idle, identity):
    if first_sync is None:
        return {"error": "no `sync done` line in the watch log, so no sync completed"}
    idle_seconds = last_sync - first_sync
    result = {
        "sync_minutes": SYNC_MINUTES,
        "startup_requests": len(startup),
        "identity_requests": identity,
        "idle_seconds": round(idle_seconds, 1),
        "idle_requests": len(idle),
        "idle_syncs": syncs,
        "idle_paths": sorted(set(idle)),
    }
    if syncs > 0:
        per_sync = len(idle) / syncs
        result["requests_per_sync"] = per_sync
        result["per_hour_at_default"] = per_sync * 60 / DEFAULT_SYNC_MINUTES
        result["per_hour_at_measured"] = per_sync * 60 / SYNC_MINUTES
    return result
