"""Starting and stopping the measured apps, each with directories of its own."""

import os
import signal
import subprocess
import threading
import time

# As in tests/tray: the session has no accessibility bus, GTK is kept off
# the desktop portal, and WebKitGTK draws without compositing under Xvfb.
DESKTOP_ENV = {"NO_AT_BRIDGE": "1", "GTK_USE_PORTAL": "0", "WEBKIT_DISABLE_COMPOSITING_MODE": "1", "NO_COLOR": "1"}
STOP_TIMEOUT = 10.0


class App:
    """One app to measure: a name for the table, its binary and its arguments."""

    def __init__(self, name, binary, args):
        self.name = name
        self.binary = binary
        self.args = list(args)


def app_env(home, extra=None):
    """Returns the environment for an app whose HOME and XDG dirs are `home`."""
    os.makedirs(home, exist_ok=True)
    env = dict(os.environ)
    env.update(DESKTOP_ENV)
    env.update(
        {
            "HOME": home,
            "XDG_CONFIG_HOME": os.path.join(home, "config"),
            "XDG_DATA_HOME": os.path.join(home, "data"),
            "XDG_STATE_HOME": os.path.join(home, "state"),
            "XDG_CACHE_HOME": os.path.join(home, "cache"),
        }
    )
    env.pop("RUST_LOG", None)
    env.update(extra or {})
    return env


class Running:
    """A started app whose standard error is copied to a log file.

    `marks` maps each watched substring to the monotonic time of the first
    log line that contains it.
    """

    def __init__(self, command, env, log_path, watch=(), prefix=None):
        self.log_path = log_path
        self.marks = {}
        self.watch = list(watch)
        # Created before the start, so readers never see a missing file.
        open(log_path, "wb").close()
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            (prefix or []) + command,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.reader = threading.Thread(target=self._copy_log, daemon=True)
        self.reader.start()

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def _copy_log(self):
        with open(self.log_path, "ab") as log:
            for line in self.proc.stderr:
                now = time.monotonic()
                log.write(line)
                log.flush()
                text = line.decode("utf-8", "replace")
                for needle in self.watch:
                    if needle not in self.marks and needle in text:
                        self.marks[needle] = now

    def stop(self, sig=signal.SIGTERM):
        """Stops the app with `sig`, then SIGKILL after STOP_TIMEOUT; returns its exit code."""
        if self.alive():
            self.proc.send_signal(sig)
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.reader.join(STOP_TIMEOUT)
        return self.proc.returncode

    def log_tail(self, lines=20):
        try:
            with open(self.log_path, errors="replace") as log:
                return "".join(log.readlines()[-lines:])
        except OSError:
            return ""


def start_app(app, home, log_path, watch=(), extra_args=(), extra_env=None, prefix=None):
    return Running([app.binary, *app.args, *extra_args], app_env(home, extra_env), log_path, watch, prefix)
