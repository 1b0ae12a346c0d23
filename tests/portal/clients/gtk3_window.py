#!/usr/bin/python3
"""A GTK 3 app with a window, as an unmodified GTK 3 app uses the portal
(GTK_USE_PORTAL=1): once its window is on screen it asks for a file to
open (Gtk.FileChooserNative, transient for the window), shows its first
line in the window's title, asks where to save, saves through GIO
(g_file_replace_contents), shows that in the title, and quits when the
window is closed. The VM test runs it in a guest with its window on the
host (tests/vm/portal-window-test.sh).

Usage: gtk3_window.py [TEXT]   (TEXT: what to save; default "saved from
the VM window"). Prints "portal-window: ..." lines for each step on stdout;
exit status 0 when the window was closed after both steps, 1 otherwise."""
import sys

import gi

gi.require_version("Gtk", "3.0")
from gi.repository import Gio, GLib, Gtk  # noqa: E402

TEXT = sys.argv[1] if len(sys.argv) > 1 else "saved from the VM window"
GLib.set_prgname("appvm-portal-window")
state = {"done": False}


def say(*words):
    print("portal-window:", *words, flush=True)


window = Gtk.Window(title="appvm portal window")
window.set_default_size(320, 120)
label = Gtk.Label(label="waiting for a file")
window.add(label)


def ask(action, title, on_file):
    dialog = Gtk.FileChooserNative.new(title, window, action, None, None)
    if action == Gtk.FileChooserAction.SAVE:
        dialog.set_current_name("from-vm.txt")

    def on_response(d, response):
        if response != Gtk.ResponseType.ACCEPT:
            say("response", response)
            window.set_title("cancelled")
            return
        on_file(d.get_file())

    dialog.connect("response", on_response)
    dialog.show()
    window._dialog = dialog  # keep it alive until it answers


def opened(f):
    data = f.load_contents(None)[1].decode()
    first = data.splitlines()[0] if data else ""
    say("opened", f.get_path() + ":", first)
    label.set_text(first)
    window.set_title("opened: " + first)
    ask(Gtk.FileChooserAction.SAVE, "Save from the VM window", saved)


def saved(f):
    f.replace_contents((TEXT + "\n").encode(), None, False, Gio.FileCreateFlags.NONE, None)
    say("saved", f.get_path())
    state["done"] = True
    window.set_title("saved: " + f.get_basename())


def start():
    ask(Gtk.FileChooserAction.OPEN, "Open in the VM window", opened)
    return GLib.SOURCE_REMOVE


def on_map(*_):
    say("window shown")
    GLib.idle_add(start)


window.connect("map-event", on_map)
window.connect("destroy", Gtk.main_quit)
window.show_all()
Gtk.main()
say("closed")
sys.exit(0 if state["done"] else 1)
