"""Detects that a process's tray icon is ready, from the session bus.

On Linux, Tauri's tray (tray-icon with libayatana-appindicator) exports the
tray menu as a com.canonical.dbusmenu object on the process's own bus
connection, and the tray host reads the menu from there. The icon counts as
ready once that object returns from GetLayout with at least one menu item.
Needs python3-dbus (Debian package python3-dbus).
"""

import xml.etree.ElementTree as ET

import dbus

DBUSMENU = "com.canonical.dbusmenu"
MAX_DEPTH = 8


class TrayProbe:
    """Polls the session bus for the dbusmenu object of one process."""

    def __init__(self):
        self.bus = dbus.SessionBus()
        self.daemon = self.bus.get_object("org.freedesktop.DBus", "/org/freedesktop/DBus")
        self.pid_of_name = {}

    def connections_of(self, pid):
        names = self.daemon.ListNames(dbus_interface="org.freedesktop.DBus")
        found = []
        for name in names:
            name = str(name)
            if not name.startswith(":"):
                continue
            if name not in self.pid_of_name:
                try:
                    self.pid_of_name[name] = int(
                        self.daemon.GetConnectionUnixProcessID(name, dbus_interface="org.freedesktop.DBus")
                    )
                except dbus.DBusException:
                    continue
            if self.pid_of_name[name] == pid:
                found.append(name)
        return found

    def menu_paths(self, name, path="/", depth=0):
        if depth > MAX_DEPTH:
            return
        try:
            xml = self.bus.get_object(name, path, introspect=False).Introspect(
                dbus_interface="org.freedesktop.DBus.Introspectable"
            )
        except dbus.DBusException:
            return
        root = ET.fromstring(str(xml))
        if any(iface.get("name") == DBUSMENU for iface in root.findall("interface")):
            yield path
        for node in root.findall("node"):
            yield from self.menu_paths(name, path.rstrip("/") + "/" + node.get("name"), depth + 1)

    def menu_items(self, pid):
        """Returns the number of top-level menu items `pid` exports, or None."""
        for name in self.connections_of(pid):
            for path in self.menu_paths(name):
                menu = self.bus.get_object(name, path, introspect=False)
                try:
                    _revision, layout = menu.GetLayout(
                        0, 1, dbus.Array([], signature="s"), dbus_interface=DBUSMENU
                    )
                except dbus.DBusException:
                    continue
                if len(layout[2]) > 0:
                    return len(layout[2])
        return None
