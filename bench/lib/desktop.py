"""Measurements that need the virtual desktop (Xvfb, trayer, a D-Bus
session): cold start to tray ready, idle memory, idle CPU and wake-ups."""

import os
import statistics
import subprocess
import time

import procfs
import xwindow
from apps import start_app
from traybus import TrayProbe

TRAY_LOG_LINE = "tray icon created"
POLL_SECONDS = 0.01
TRAY_TIMEOUT = 30.0
WINDOW_TIMEOUT = 30.0
# Time for the page to load and the web process to settle before closing.
WINDOW_OPEN_SECONDS = 5.0


class BenchError(Exception):
    """The benchmark itself broke: an app did not start, exited or gave no number."""


def wait_tray_ready(probe, running, timeout=TRAY_TIMEOUT):
    """Polls until `running` exports a tray menu; returns seconds since exec."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not running.alive():
            raise BenchError(f"{running.log_path}: the app exited with {running.proc.returncode}\n{running.log_tail()}")
        if probe.menu_items(running.pid) is not None:
            return time.monotonic() - running.started
        time.sleep(POLL_SECONDS)
    raise BenchError(f"{running.log_path}: no tray menu on the session bus after {timeout} s\n{running.log_tail()}")


def cold_start(apps, runs, out_dir):
    """Starts each app `runs` times, alternating the apps, and times tray readiness."""
    probe = TrayProbe()
    results = {app.name: {"bus_s": [], "log_s": []} for app in apps}
    for run in range(runs):
        for app in apps:
            home = os.path.join(out_dir, "homes", f"cold-{app.name}-{run}")
            log = os.path.join(out_dir, "logs", f"cold-{app.name}-{run}.log")
            running = start_app(app, home, log, watch=[TRAY_LOG_LINE])
            try:
                results[app.name]["bus_s"].append(wait_tray_ready(probe, running))
                mark = running.marks.get(TRAY_LOG_LINE)
                if mark is not None:
                    results[app.name]["log_s"].append(mark - running.started)
            finally:
                running.stop()
    for figures in results.values():
        figures["median_bus_s"] = statistics.median(figures["bus_s"])
        figures["max_bus_s"] = max(figures["bus_s"])
        if figures["log_s"]:
            figures["median_log_s"] = statistics.median(figures["log_s"])
    return results


def cpu_sample(pid):
    return {"t": time.monotonic(), "ticks": procfs.cpu_ticks(pid), "switches": procfs.context_switches(pid)}


def cpu_figures(first, last):
    seconds = last["t"] - first["t"]
    cpu_seconds = (last["ticks"] - first["ticks"]) / procfs.CLOCK_TICKS
    voluntary, involuntary = procfs.switches_between(first["switches"], last["switches"])
    return {
        "seconds": round(seconds, 1),
        "cpu_s": cpu_seconds,
        "cpu_percent": 100.0 * cpu_seconds / seconds,
        "wakeups_per_s": (voluntary + involuntary) / seconds,
        "voluntary_per_s": voluntary / seconds,
        "involuntary_per_s": involuntary / seconds,
        "threads": len(last["switches"]),
    }


def open_and_close_window(app, running, home, out_dir):
    """Opens the window by a second launch, then closes it. Returns an error text or None."""
    log = os.path.join(out_dir, "logs", f"second-{app.name}.log")
    second = start_app(app, home, log)
    try:
        code = second.proc.wait(WINDOW_TIMEOUT)
    except subprocess.TimeoutExpired:
        second.stop()
        return "the second launch did not exit, so the single-instance hand-over is missing"
    if code != 0:
        return f"the second launch exited with {code}: {second.log_tail(5).strip()}"
    windows = wait_for(lambda: xwindow.visible_windows(running.pid), WINDOW_TIMEOUT)
    if not windows:
        return f"the second launch exited but no window of PID {running.pid} appeared in {WINDOW_TIMEOUT} s"
    time.sleep(WINDOW_OPEN_SECONDS)
    for window in windows:
        xwindow.close_window(window)
    if wait_for(lambda: not xwindow.visible_windows(running.pid), WINDOW_TIMEOUT) is None:
        return "the window did not close on WM_DELETE_WINDOW"
    return None


def wait_for(check, timeout, period=0.2):
    """Returns the first truthy result of `check` within `timeout` seconds, else None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(period)
    return None


def require_alive(app, running, stage):
    if not running.alive():
        raise BenchError(f"{app.name} exited during {stage} with {running.proc.returncode}\n{running.log_tail()}")


def idle(apps, settle_s, cpu_s, after_window_s, out_dir):
    """Runs all apps side by side: memory after `settle_s`, CPU over `cpu_s`,
    then memory again `after_window_s` after opening and closing the window."""
    probe = TrayProbe()
    started = {}
    try:
        for app in apps:
            home = os.path.join(out_dir, "homes", f"idle-{app.name}")
            log = os.path.join(out_dir, "logs", f"idle-{app.name}.log")
            running = start_app(app, home, log)
            wait_tray_ready(probe, running)
            started[app.name] = (app, running, home)
        return measure_idle(started, settle_s, cpu_s, after_window_s, out_dir)
    finally:
        for _app, running, _home in started.values():
            running.stop()


def measure_idle(started, settle_s, cpu_s, after_window_s, out_dir):
    results = {name: {} for name in started}
    time.sleep(settle_s)
    for name, (app, running, _home) in started.items():
        require_alive(app, running, "the settle time")
        results[name]["memory_idle"] = procfs.memory(running.pid)
    first = {name: cpu_sample(running.pid) for name, (_app, running, _home) in started.items()}
    time.sleep(cpu_s)
    for name, (app, running, _home) in started.items():
        require_alive(app, running, "the CPU measurement")
        results[name]["cpu"] = cpu_figures(first[name], cpu_sample(running.pid))
    for name, (app, running, home) in started.items():
        results[name]["window_error"] = open_and_close_window(app, running, home, out_dir)
    time.sleep(after_window_s)
    for name, (app, running, _home) in started.items():
        require_alive(app, running, "the window measurement")
        if results[name]["window_error"] is None:
            results[name]["memory_after_window"] = procfs.memory(running.pid)
    return results
