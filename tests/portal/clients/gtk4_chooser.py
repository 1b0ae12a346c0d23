#!/usr/bin/python3
"""GTK 4's Gtk.FileChooserNative, as an unmodified GTK 4 app uses it (run
with GDK_DEBUG=portals): opens, saves or picks a folder, then reads or
writes what it got through GIO.

Usage: gtk4_chooser.py open|open-many|save|folder [TEXT]
Prints "response accept" or "response cancel", then one "path P" per file;
for open, "content P: FIRST-LINE" of each; for save, replaces the file's
content with TEXT (g_file_replace_contents) and prints "saved P"; for a
folder, "entry NAME" for each name in it. Exit status 0, or 1 when no
response came within 60 s."""
import sys

import gi

gi.require_version("Gtk", "4.0")
from gi.repository import Gio, GLib, Gtk  # noqa: E402

mode = sys.argv[1]
actions = {
    "open": Gtk.FileChooserAction.OPEN,
    "open-many": Gtk.FileChooserAction.OPEN,
    "save": Gtk.FileChooserAction.SAVE,
    "folder": Gtk.FileChooserAction.SELECT_FOLDER,
}
Gtk.init()
loop = GLib.MainLoop()
answered = False
dialog = Gtk.FileChooserNative.new("GTK 4 " + mode, None, actions[mode], None, None)
dialog.set_select_multiple(mode == "open-many")
if mode == "save":
    dialog.set_current_name("gtk4.txt")
else:
    text = Gtk.FileFilter()
    text.set_name("Text")
    text.add_pattern("*.txt")
    dialog.add_filter(text)


def on_response(d, response):
    global answered
    answered = True
    if response != Gtk.ResponseType.ACCEPT:
        print("response cancel")
        loop.quit()
        return
    print("response accept")
    files = d.get_files()
    for i in range(files.get_n_items()):
        f = files.get_item(i)
        print("path", f.get_path())
        if mode in ("open", "open-many"):
            data = f.load_contents(None)[1].decode()
            print("content %s: %s" % (f.get_path(), data.splitlines()[0] if data else ""))
        elif mode == "save":
            f.replace_contents(sys.argv[2].encode(), None, False, Gio.FileCreateFlags.NONE, None)
            print("saved", f.get_path())
        else:
            for info in f.enumerate_children("standard::name", Gio.FileQueryInfoFlags.NONE, None):
                print("entry", info.get_name())
    loop.quit()


dialog.connect("response", on_response)
dialog.show()
GLib.timeout_add_seconds(60, loop.quit)
loop.run()
sys.exit(0 if answered else 1)
