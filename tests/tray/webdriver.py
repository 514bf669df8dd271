#!/usr/bin/python3
"""WebDriver test of the deskcheck window, over raw W3C WebDriver HTTP
against tauri-driver on 127.0.0.1:4444.

Launches `deskcheck --demo` with the window open, clicks "Check in" on the
open reservation, and checks that the window shows a manual claim and the
simulated tenant created exactly one manual claim (counted in the app log,
which tauri-driver's output contains). Saves a screenshot of the window.

Usage: webdriver.py BINARY APP_LOG SCREENSHOT_PNG
"""

import base64
import json
import re
import sys
import time
import urllib.error
import urllib.request

DRIVER = "http://127.0.0.1:4444"
POLL_SECONDS = 0.25
CSS = "css selector"


class WebDriverError(Exception):
    pass


def call(method, path, body=None, timeout=60):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(DRIVER + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read() or b"{}").get("value")
    except urllib.error.HTTPError as error:
        raise WebDriverError(f"{method} {path}: {error.code} {error.read().decode(errors='replace')}") from error


def wait_for(what, check, seconds=30):
    deadline = time.monotonic() + seconds
    last_error = None
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
        except WebDriverError as error:
            last_error = error
        time.sleep(POLL_SECONDS)
    raise AssertionError(f"timed out after {seconds}s waiting for {what} (last error: {last_error})")


def manual_claims(log_path):
    with open(log_path, encoding="utf-8", errors="replace") as log:
        return len(re.findall(r'check-in claim created.*method.*"manual"', log.read()))


def main(binary, log_path, screenshot_path):
    capabilities = {
        "capabilities": {
            "alwaysMatch": {"tauri:options": {"application": binary, "args": ["--demo"]}},
        }
    }
    session = call("POST", "/session", capabilities, timeout=120)["sessionId"]
    base = f"/session/{session}"
    try:
        def open_button():
            found = call("POST", f"{base}/elements", {"using": CSS, "value": "li.open button.check-in"})
            return found[0] if found else None

        button = wait_for("a Check in button on an open reservation", open_button)
        element_id = next(iter(button.values()))
        place_span = call(
            "POST", f"{base}/element/{element_id}/element", {"using": "xpath", "value": "./../../span[@class='place']"}
        )
        place = call("GET", f"{base}/element/{next(iter(place_span.values()))}/text")
        print(f"window lists an open reservation: {place}")
        if manual_claims(log_path) != 0:
            raise AssertionError("a manual claim exists before the click")

        call("POST", f"{base}/element/{element_id}/click", {})
        print("clicked Check in")

        def claimed_status():
            items = call("POST", f"{base}/elements", {"using": CSS, "value": "li.checked_in .status"})
            texts = [call("GET", f"{base}/element/{next(iter(i.values()))}/text") for i in items]
            return [text for text in texts if text.startswith("Checked in (manual)")]

        status = wait_for("a reservation shown as 'Checked in (manual)'", claimed_status)
        print(f"window shows: {status[0]}")
        claims = wait_for("the tenant to log the manual claim", lambda: manual_claims(log_path), 10)
        if claims != 1:
            raise AssertionError(f"the tenant created {claims} manual claims, expected 1")
        print("the tenant created exactly one manual claim")

        png = base64.b64decode(call("GET", f"{base}/screenshot"))
        with open(screenshot_path, "wb") as out:
            out.write(png)
        print(f"screenshot saved to {screenshot_path}")
    finally:
        try:
            call("DELETE", base)
        except (WebDriverError, OSError) as error:
            print(f"ending the WebDriver session failed: {error}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    try:
        sys.exit(main(*sys.argv[1:]))
    except (AssertionError, WebDriverError) as error:
        print(f"FAIL: {error}")
        sys.exit(1)
