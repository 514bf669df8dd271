#!/usr/bin/python3
"""Reads and drives deskcheck's tray menu and the mock notification server
over the D-Bus session bus.

libayatana-appindicator exports the tray menu as com.canonical.dbusmenu on
the session bus; this is the menu the tray host shows. python3-dbusmock's
notification_daemon template records Notify calls, and its Mock interface
emits ActionInvoked as a real notification server would.

Commands (each prints JSON and exits non-zero on failure):
  menu                        print the menu items
  wait-menu REGEX [SECONDS]   wait until an item label matches REGEX
  click REGEX                 click the first enabled item matching REGEX
  notifications               print the Notify calls received
  wait-notify REGEX [SECONDS] wait for a Notify whose summary matches REGEX
  invoke-action ID ACTION     emit ActionInvoked(ID, ACTION)
  wait-name NAME [SECONDS]    wait until NAME is owned on the bus
"""

import json
import os
import re
import sys
import time
import xml.etree.ElementTree as ET

import dbus

DBUSMENU = "com.canonical.dbusmenu"
NOTIFY_PATH = "/org/freedesktop/Notifications"
NOTIFY_NAME = "org.freedesktop.Notifications"
MOCK_IFACE = "org.freedesktop.DBus.Mock"
POLL_SECONDS = 0.2
# Some connections of the app (zbus clients) serve no objects and never
# reply to Introspect, so calls that search for the menu give up quickly.
SEARCH_TIMEOUT_SECONDS = 2


def bus():
    return dbus.SessionBus()


def find_menu_objects(conn, name, path="/", depth=0):
    """Yields object paths under `path` on `name` that implement dbusmenu."""
    if depth > 8:
        return
    try:
        xml = conn.get_object(name, path, introspect=False).Introspect(
            dbus_interface="org.freedesktop.DBus.Introspectable", timeout=SEARCH_TIMEOUT_SECONDS
        )
    except dbus.DBusException:
        return
    root = ET.fromstring(str(xml))
    if any(iface.get("name") == DBUSMENU for iface in root.findall("interface")):
        yield path
    for node in root.findall("node"):
        child = node.get("name")
        yield from find_menu_objects(conn, name, path.rstrip("/") + "/" + child, depth + 1)


def menu_object(conn):
    """Finds the one dbusmenu object a deskcheck process exports. The
    location is cached in $TRAYCTL_CACHE, when set, for later calls."""
    cache = os.environ.get("TRAYCTL_CACHE")
    if cache and os.path.exists(cache):
        with open(cache) as cached:
            name, path = cached.read().split()
        owner = conn.get_object("org.freedesktop.DBus", "/org/freedesktop/DBus")
        if owner.NameHasOwner(name, dbus_interface="org.freedesktop.DBus"):
            return conn.get_object(name, path, introspect=False)
    found = search_menu_object(conn)
    if found and cache:
        with open(cache, "w") as cached:
            cached.write(f"{found[0]} {found[1]}")
    return conn.get_object(*found, introspect=False) if found else None


def search_menu_object(conn):
    dbus_obj = conn.get_object("org.freedesktop.DBus", "/org/freedesktop/DBus")
    names = dbus_obj.ListNames(dbus_interface="org.freedesktop.DBus")
    for name in names:
        if not str(name).startswith(":"):
            continue
        try:
            pid = dbus_obj.GetConnectionUnixProcessID(name, dbus_interface="org.freedesktop.DBus")
            with open(f"/proc/{pid}/comm") as comm:
                if comm.read().strip() != "deskcheck":
                    continue
        except (dbus.DBusException, OSError):
            continue
        for path in find_menu_objects(conn, name):
            return str(name), path
    return None


def flatten(layout, items):
    item_id, props, children = layout
    label = props.get("label")
    if label is not None or props.get("type") == "separator":
        items.append(
            {
                "id": int(item_id),
                "label": str(label) if label is not None else "",
                "type": str(props.get("type", "standard")),
                "enabled": bool(props.get("enabled", True)),
                "visible": bool(props.get("visible", True)),
            }
        )
    for child in children:
        flatten(child, items)
    return items


def read_menu(conn):
    obj = menu_object(conn)
    if obj is None:
        return None, []
    # A tray host calls AboutToShow before it opens the menu, so this does too.
    try:
        obj.AboutToShow(0, dbus_interface=DBUSMENU)
    except dbus.DBusException:
        pass
    _revision, layout = obj.GetLayout(0, -1, dbus.Array([], signature="s"), dbus_interface=DBUSMENU)
    items = [item for item in flatten(layout, []) if item["visible"]]
    return obj, [item for item in items if item["id"] != 0]


def wait_for(check, seconds, what):
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        try:
            found, last = check()
        except dbus.DBusException as error:
            found, last = None, str(error)
        if found is not None:
            return found
        time.sleep(POLL_SECONDS)
    print(json.dumps({"error": f"timed out after {seconds}s waiting for {what}", "last": last}, indent=2))
    sys.exit(1)


def cmd_menu(conn):
    _obj, items = read_menu(conn)
    print(json.dumps(items, indent=2, ensure_ascii=False))
    return 0 if items else 1


def cmd_wait_menu(conn, pattern, seconds="20"):
    regex = re.compile(pattern)

    def check():
        _obj, items = read_menu(conn)
        hits = [item for item in items if regex.search(item["label"])]
        return (hits[0] if hits else None), items

    print(json.dumps(wait_for(check, float(seconds), f"a menu item matching {pattern!r}"), ensure_ascii=False))
    return 0


def cmd_click(conn, pattern):
    regex = re.compile(pattern)
    obj, items = read_menu(conn)
    hits = [item for item in items if item["enabled"] and regex.search(item["label"])]
    if not hits:
        print(json.dumps({"error": f"no enabled menu item matches {pattern!r}", "menu": items}, indent=2))
        return 1
    item = hits[0]
    obj.Event(item["id"], "clicked", dbus.String("", variant_level=1), dbus.UInt32(0), dbus_interface=DBUSMENU)
    print(json.dumps({"clicked": item}, ensure_ascii=False))
    return 0


def notify_calls(conn):
    mock = conn.get_object(NOTIFY_NAME, NOTIFY_PATH, introspect=False)
    calls = mock.GetMethodCalls("Notify", dbus_interface=MOCK_IFACE)
    result = []
    for index, (_timestamp, args) in enumerate(calls):
        app_name, replaces_id, _icon, summary, body, actions, _hints, timeout = args
        actions = [str(a) for a in actions]
        result.append(
            {
                # The mock numbers new notifications 1, 2, ... in call order.
                "id": int(replaces_id) if replaces_id else None,
                "index": index,
                "app_name": str(app_name),
                "summary": str(summary),
                "body": str(body),
                "actions": dict(zip(actions[::2], actions[1::2])),
                "timeout": int(timeout),
            }
        )
    next_id = 1
    for call in result:
        if call["id"] is None:
            call["id"] = next_id
            next_id += 1
    return result


def cmd_notifications(conn):
    print(json.dumps(notify_calls(conn), indent=2, ensure_ascii=False))
    return 0


def cmd_wait_notify(conn, pattern, seconds="20"):
    regex = re.compile(pattern)

    def check():
        calls = notify_calls(conn)
        hits = [call for call in calls if regex.search(call["summary"])]
        return (hits[-1] if hits else None), calls

    print(json.dumps(wait_for(check, float(seconds), f"a notification matching {pattern!r}"), ensure_ascii=False))
    return 0


def cmd_invoke_action(conn, notification_id, action):
    mock = conn.get_object(NOTIFY_NAME, NOTIFY_PATH, introspect=False)
    args = dbus.Array([dbus.UInt32(int(notification_id)), dbus.String(action)], signature="v")
    mock.EmitSignal(NOTIFY_NAME, "ActionInvoked", "us", args, signature="sssav", dbus_interface=MOCK_IFACE)
    print(json.dumps({"invoked": action, "id": int(notification_id)}))
    return 0


def cmd_wait_name(conn, name, seconds="20"):
    dbus_obj = conn.get_object("org.freedesktop.DBus", "/org/freedesktop/DBus")

    def check():
        owned = bool(dbus_obj.NameHasOwner(name, dbus_interface="org.freedesktop.DBus"))
        return (name if owned else None), owned

    print(json.dumps({"owned": wait_for(check, float(seconds), f"the bus name {name}")}))
    return 0


COMMANDS = {
    "wait-name": cmd_wait_name,
    "menu": cmd_menu,
    "wait-menu": cmd_wait_menu,
    "click": cmd_click,
    "notifications": cmd_notifications,
    "wait-notify": cmd_wait_notify,
    "invoke-action": cmd_invoke_action,
}


def main(argv):
    if len(argv) < 2 or argv[1] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        return 2
    return COMMANDS[argv[1]](bus(), *argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
