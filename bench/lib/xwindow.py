"""Finds and closes top-level X windows of a process.

The benchmark display has no window manager, so closing a window the way a
person does means sending it the ICCCM WM_DELETE_WINDOW client message
ourselves. xdotool 3.20160805 (Debian 12) has no command for that, so the
message is sent through libX11 with ctypes.
"""

import ctypes
import ctypes.util
import subprocess

CLIENT_MESSAGE = 33
NO_EVENT_MASK = 0


class ClientMessageEvent(ctypes.Structure):
    """XClientMessageEvent from X11/Xlib.h, format 32."""

    _fields_ = [
        ("type", ctypes.c_int),
        ("serial", ctypes.c_ulong),
        ("send_event", ctypes.c_int),
        ("display", ctypes.c_void_p),
        ("window", ctypes.c_ulong),
        ("message_type", ctypes.c_ulong),
        ("format", ctypes.c_int),
        ("data", ctypes.c_long * 5),
    ]


class Event(ctypes.Union):
    """XEvent: the union is padded to 24 longs."""

    _fields_ = [("client", ClientMessageEvent), ("pad", ctypes.c_long * 24)]


def _xlib():
    path = ctypes.util.find_library("X11")
    if path is None:
        raise RuntimeError("libX11 not found: install libx11-6")
    lib = ctypes.CDLL(path)
    lib.XOpenDisplay.restype = ctypes.c_void_p
    lib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    lib.XInternAtom.restype = ctypes.c_ulong
    lib.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    lib.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long, ctypes.POINTER(Event)]
    lib.XFlush.argtypes = [ctypes.c_void_p]
    lib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    return lib


def close_window(window_id):
    """Sends WM_DELETE_WINDOW to `window_id`, as a window manager's close button does."""
    lib = _xlib()
    display = lib.XOpenDisplay(None)
    if not display:
        raise RuntimeError("cannot open the X display named by DISPLAY")
    try:
        event = Event()
        event.client.type = CLIENT_MESSAGE
        event.client.display = display
        event.client.window = window_id
        event.client.message_type = lib.XInternAtom(display, b"WM_PROTOCOLS", 0)
        event.client.format = 32
        event.client.data[0] = lib.XInternAtom(display, b"WM_DELETE_WINDOW", 0)
        event.client.data[1] = 0  # CurrentTime
        if not lib.XSendEvent(display, window_id, 0, NO_EVENT_MASK, ctypes.byref(event)):
            raise RuntimeError(f"XSendEvent to window {window_id} failed")
        lib.XFlush(display)
    finally:
        lib.XCloseDisplay(display)


def visible_windows(pid, min_size=200):
    """Returns the ids of visible windows of `pid` at least `min_size` px wide.

    The size filter skips the tray icon's small embedded window.
    """
    found = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--pid", str(pid), "--name", "."],
        capture_output=True,
        text=True,
    )
    windows = []
    for line in found.stdout.split():
        geometry = subprocess.run(
            ["xdotool", "getwindowgeometry", "--shell", line], capture_output=True, text=True
        ).stdout
        values = dict(item.split("=", 1) for item in geometry.split() if "=" in item)
        if int(values.get("WIDTH", 0)) >= min_size:
            windows.append(int(line))
    return windows
