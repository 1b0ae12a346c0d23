#!/usr/bin/python3
"""A stand-in for the host's xdg-desktop-portal FileChooser, on a private
session bus, for appvm-portald's portal chooser tests.

    fake_portal.py WORKDIR

Owns org.freedesktop.portal.Desktop; every FileChooser call is appended to
WORKDIR/calls.jsonl (method, title, options) and answered as
WORKDIR/scenario.json says: {"response": 0, "uris": [...], "choices":
[[id, value]], "current_filter": [name, [[kind, pattern]]]}, or {"hold":
true} to leave the request open (Request.Close is recorded as a call
"Close"). With "impostor": [uris], another connection to the bus sends a
forged Response (success, those URIs) to the caller first. Writes
WORKDIR/ready once the name is owned.
"""
import json
import os
import sys

from gi.repository import Gio, GLib

WORK = sys.argv[1]
CHOOSER = '''<node><interface name="org.freedesktop.portal.FileChooser">
<method name="OpenFile"><arg type="s" direction="in"/><arg type="s" direction="in"/>
 <arg type="a{sv}" direction="in"/><arg type="o" direction="out"/></method>
<method name="SaveFile"><arg type="s" direction="in"/><arg type="s" direction="in"/>
 <arg type="a{sv}" direction="in"/><arg type="o" direction="out"/></method>
<method name="SaveFiles"><arg type="s" direction="in"/><arg type="s" direction="in"/>
 <arg type="a{sv}" direction="in"/><arg type="o" direction="out"/></method>
<property name="version" type="u" access="read"/>
</interface></node>'''
REQUEST = '''<node><interface name="org.freedesktop.portal.Request">
<method name="Close"/></interface></node>'''


def plain(v):
    """GLib values as JSON: byte strings become text without their NUL."""
    if isinstance(v, bytes):
        return v.rstrip(b'\0').decode('utf-8', 'replace')
    if isinstance(v, list) and v and all(isinstance(x, int) for x in v):
        return bytes(v).rstrip(b'\0').decode('utf-8', 'replace')  # an ay
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    return v


def record(entry):
    with open(os.path.join(WORK, 'calls.jsonl'), 'a') as f:
        f.write(json.dumps(entry) + '\n')


def respond(conn, sender, handle, sc):
    results = {'uris': GLib.Variant('as', sc.get('uris', []))}
    if 'choices' in sc:
        results['choices'] = GLib.Variant('a(ss)', [tuple(c) for c in sc['choices']])
    if 'current_filter' in sc:
        name, pats = sc['current_filter']
        results['current_filter'] = GLib.Variant('(sa(us))', (name, [tuple(p) for p in pats]))
    conn.emit_signal(sender, handle, 'org.freedesktop.portal.Request', 'Response',
                     GLib.Variant('(ua{sv})', (sc.get('response', 0), results)))
    return False


def on_request_call(conn, sender, path, iface, method, params, inv):
    record({'method': 'Close', 'path': path})
    inv.return_value(None)


def on_chooser_call(conn, sender, path, iface, method, params, inv):
    parent, title, opts = params.unpack()
    token = opts.get('handle_token', 'none')
    handle = '/org/freedesktop/portal/desktop/request/%s/%s' % (
        sender[1:].replace('.', '_'), token)
    record({'method': method, 'title': title, 'parent': parent, 'options': plain(opts),
            'handle': handle})
    node = Gio.DBusNodeInfo.new_for_xml(REQUEST)
    conn.register_object(handle, node.interfaces[0], on_request_call, None, None)
    inv.return_value(GLib.Variant('(o)', (handle,)))
    with open(os.path.join(WORK, 'scenario.json')) as f:
        sc = json.load(f)
    if 'impostor' in sc:
        GLib.idle_add(respond, impostor(), sender, handle, {'uris': sc['impostor']})
    if not sc.get('hold'):
        GLib.timeout_add(sc.get('delay_ms', 10), respond, conn, sender, handle, sc)


def impostor():
    """A second client of the same bus: anyone may send a signal to anyone."""
    flags = (Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
             Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION)
    return Gio.DBusConnection.new_for_address_sync(
        os.environ['DBUS_SESSION_BUS_ADDRESS'], flags, None, None)


def on_get_property(conn, sender, path, iface, prop):
    return GLib.Variant('u', 3)


def main():
    conn = Gio.bus_get_sync(Gio.BusType.SESSION, None)
    node = Gio.DBusNodeInfo.new_for_xml(CHOOSER)
    conn.register_object('/org/freedesktop/portal/desktop', node.interfaces[0],
                         on_chooser_call, on_get_property, None)

    def acquired(c, name):
        open(os.path.join(WORK, 'ready'), 'w').close()

    Gio.bus_own_name_on_connection(conn, 'org.freedesktop.portal.Desktop',
                                   Gio.BusNameOwnerFlags.NONE, acquired, None)
    GLib.MainLoop().run()


if __name__ == '__main__':
    main()
