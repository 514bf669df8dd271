"""Network join to claim: how long after an office network comes up the
simulated tenant records the automatic check-in.

Each run builds two network namespaces of its own: "app", where
`deskcheck --demo watch` runs with no network but loopback, and "office",
the office router at 192.0.2.1 (a documentation range). A veth pair links
them, with the app end down. Once the engine's first sync is done, one
`ip -batch` sets the app end up, adds 192.0.2.10/24 and a default route via
192.0.2.1; the join time is taken when that command returns. The claim time
is the timestamp of the tenant's "check-in claim created" log line. Both
are CLOCK_REALTIME on the same machine. Needs root and iproute2.
"""

import os
import statistics
import subprocess
import time

import logs
from apps import App, start_app

OFFICE_CONFIG = """\
[automatic]
enabled = true

[[office]]
name = "HQ"
building = "Contoso HQ"
subnets = ["192.0.2.0/24"]
gateway_ips = ["192.0.2.1"]
"""
CLAIM_LINE = "check-in claim created"
DETECTION_LINE = "network detection started"
READY_LINE = "engine sleeping"
# The watch logs READY_LINE after its first loop iteration. This extra time
# lets a network watcher started alongside finish subscribing.
READY_GRACE_S = 0.5
START_TIMEOUT_S = 30.0
LOG_LEVELS = "info,deskcheck_core=debug,deskcheck_net=debug"


def ip(*args, stdin=None):
    done = subprocess.run(["ip", *args], input=stdin, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)} failed: {done.stderr.strip()}")


class Namespaces:
    """The app and office namespaces of one run, deleted on exit."""

    def __init__(self, tag):
        self.app = f"dcb-app-{tag}"
        self.office = f"dcb-office-{tag}"

    def __enter__(self):
        ip("netns", "add", self.app)
        ip("netns", "add", self.office)
        ip("-n", self.app, "link", "set", "lo", "up")
        ip("-n", self.office, "link", "set", "lo", "up")
        ip("-n", self.office, "link", "add", "office0", "address", "02:00:00:00:0b:01",
           "type", "veth", "peer", "name", "lan0", "netns", self.app)
        ip("-n", self.office, "address", "add", "192.0.2.1/24", "dev", "office0")
        ip("-n", self.office, "link", "set", "office0", "up")
        return self

    def join(self):
        """Brings the app's office link up and returns the wall-clock time after it."""
        ip("-n", self.app, "-batch", "-", stdin=(
            "link set lan0 up\n"
            "address add 192.0.2.10/24 dev lan0\n"
            "route add default via 192.0.2.1 dev lan0\n"
        ))
        return time.time()

    def __exit__(self, *_):
        for name in (self.app, self.office):
            subprocess.run(["ip", "netns", "delete", name], capture_output=True)


def wait_line(log_path, needle, running, timeout):
    """Returns the log timestamp of the first line starting with `needle`, or None.

    The log is read at least once, so a `timeout` of 0 checks it as it is.
    """
    deadline = time.monotonic() + timeout
    while True:
        for stamp, rest in logs.events(log_path):
            if rest.startswith(needle):
                return stamp
        if not running.alive() or time.monotonic() >= deadline:
            return None
        time.sleep(0.02)


def one_run(binary, config, run, claim_timeout, out_dir):
    """Returns (seconds from join to claim, None) or (None, reason)."""
    log = os.path.join(out_dir, "logs", f"netjoin-{run}.log")
    home = os.path.join(out_dir, "homes", f"netjoin-{run}")
    app = App("deskcheck", binary, ["--demo", "--config", config, "watch"])
    with Namespaces(f"{os.getpid()}-{run}") as spaces:
        running = start_app(app, home, log, extra_env={"RUST_LOG": LOG_LEVELS},
                            prefix=["ip", "netns", "exec", spaces.app])
        try:
            if wait_line(log, READY_LINE, running, START_TIMEOUT_S) is None:
                return None, f"the watch did not finish its first loop ({log})"
            time.sleep(READY_GRACE_S)
            joined = spaces.join()
            claimed = wait_line(log, CLAIM_LINE, running, claim_timeout)
            if claimed is None:
                detection = wait_line(log, DETECTION_LINE, running, 0)
                hint = "" if detection is not None else f"; the log has no `{DETECTION_LINE}` line"
                return None, f"no check-in claim within {claim_timeout} s of the network join{hint} ({log})"
            return claimed - joined, None
        finally:
            running.stop()


def measure(binary, runs, claim_timeout, out_dir):
    os.makedirs(os.path.join(out_dir, "logs"), exist_ok=True)
    if os.geteuid() != 0:
        return {"not_measured": "network namespaces need root"}
    config = os.path.join(out_dir, "netjoin-config.toml")
    with open(config, "w") as file:
        file.write(OFFICE_CONFIG)
    latencies, failures = [], []
    for run in range(runs):
        latency, reason = one_run(binary, config, run, claim_timeout, out_dir)
        if reason is not None:
            failures.append(reason)
            # No claim on the first run means the watch does not react to
            # networks at all, so more runs would only repeat the timeout.
            if not latencies:
                return {"not_measured": reason, "runs": run + 1}
            continue
        latencies.append(latency)
    return summarize(latencies, failures)


def percentile(values, share):
    """Nearest-rank percentile of `values` for `share` in (0, 1]."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


def summarize(latencies, failures):
    return {
        "runs": len(latencies) + len(failures),
        "claims": len(latencies),
        "failures": failures,
        "median_s": statistics.median(latencies),
        "p99_s": percentile(latencies, 0.99),
        "max_s": max(latencies),
        "latencies_s": latencies,
    }
