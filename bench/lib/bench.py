#!/usr/bin/python3
"""Measurement steps of bench/run.sh. Each step writes results/STEP.json in
the output directory; `report` prints the table from those files.

  session  inside Xvfb and a D-Bus session: cold start, idle memory and CPU
  graph    Graph requests of an idle `deskcheck --demo watch`
  netjoin  network join to claim, in network namespaces (root)
  report   the table with the targets, exit status 1 when a figure is missing
"""

import argparse
import json
import os
import subprocess
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import graphreq  # noqa: E402
import netjoin  # noqa: E402
import report  # noqa: E402
from apps import App  # noqa: E402

NOTIFICATIONS = "org.freedesktop.Notifications"


def arguments():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", choices=["session", "graph", "netjoin", "report"])
    parser.add_argument("--out", required=True, help="output directory")
    parser.add_argument("--deskcheck", required=True, help="deskcheck release binary")
    parser.add_argument("--bare", help="bare-tray release binary")
    parser.add_argument("--runs", type=int, default=10, help="cold starts per app, or network joins")
    parser.add_argument("--settle", type=float, default=60, help="seconds from start to the idle memory sample")
    parser.add_argument("--cpu", type=float, default=300, help="seconds of the idle CPU measurement")
    parser.add_argument("--after-window", type=float, default=30, help="seconds from closing the window to the memory sample")
    parser.add_argument("--seconds", type=float, default=600, help="seconds of the Graph request count")
    parser.add_argument("--timeout", type=float, default=10, help="seconds to wait for a claim after a join")
    parser.add_argument("--short", action="store_true", help="label the report as a short run")
    return parser.parse_args()


def save(out, step, result):
    os.makedirs(os.path.join(out, "results"), exist_ok=True)
    with open(os.path.join(out, "results", f"{step}.json"), "w") as file:
        json.dump(result, file, indent=2)


def wait_bus_name(name, timeout=20.0):
    import dbus

    daemon = dbus.SessionBus().get_object("org.freedesktop.DBus", "/org/freedesktop/DBus")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if daemon.NameHasOwner(name, dbus_interface="org.freedesktop.DBus"):
            return
        time.sleep(0.1)
    raise RuntimeError(f"{name} did not appear on the session bus within {timeout} s")


def start_desktop(out):
    """Starts the notification server mock and trayer; returns their processes."""
    logs = os.path.join(out, "logs")
    mock = subprocess.Popen(
        [sys.executable, "-m", "dbusmock", "--session", "-t", "notification_daemon",
         "-p", '{"capabilities": "body actions"}'],
        stdout=open(os.path.join(logs, "dbusmock.log"), "w"), stderr=subprocess.STDOUT,
    )
    trayer = subprocess.Popen(
        ["trayer", "--edge", "top", "--align", "right", "--widthtype", "request", "--height", "32",
         "--SetDockType", "true", "--transparent", "false"],
        stdout=open(os.path.join(logs, "trayer.log"), "w"), stderr=subprocess.STDOUT,
    )
    wait_bus_name(NOTIFICATIONS)
    return [mock, trayer]


def run_session(args):
    import desktop

    apps = [App("deskcheck", args.deskcheck, ["--demo"]), App("bare", args.bare, [])]
    helpers = start_desktop(args.out)
    try:
        cold = desktop.cold_start(apps, args.runs, args.out)
        idle = desktop.idle(apps, args.settle, args.cpu, args.after_window, args.out)
        return {"cold_start": cold, "idle": idle,
                "settle_s": args.settle, "cpu_window_s": args.cpu, "after_window_s": args.after_window}
    finally:
        for helper in helpers:
            helper.terminate()
            helper.wait()


def main():
    args = arguments()
    os.makedirs(os.path.join(args.out, "logs"), exist_ok=True)
    if args.step == "report":
        return report.main(args)
    try:
        if args.step == "session":
            result = run_session(args)
        elif args.step == "graph":
            result = graphreq.measure(args.deskcheck, args.seconds, args.out)
        else:
            result = netjoin.measure(args.deskcheck, args.runs, args.timeout, args.out)
    except Exception as error:  # noqa: BLE001 - any failure is recorded and ends the step
        result = {"error": f"{type(error).__name__}: {error}", "trace": traceback.format_exc()}
    save(args.out, args.step, result)
    if "error" in result:
        print(f"bench {args.step}: {result['error']}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
