#!/usr/bin/env python3
"""A GTK 3 window (python3-gi) for chain_test.sh: a real toolkit's
clipboard through the guest filter.

  gtk_clip.py copy TEXT   copies TEXT once the window has keyboard focus,
                          prints "copied", then serves it until killed
  gtk_clip.py paste       once focused, prints "pasted: " and the clipboard's
                          text, then exits
"""
import sys

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("Gdk", "3.0")
from gi.repository import Gdk, GLib, Gtk  # noqa: E402


def main():
    mode = sys.argv[1]
    window = Gtk.Window(title="GTK " + mode)
    window.add(Gtk.Entry())
    clipboard = Gtk.Clipboard.get(Gdk.SELECTION_CLIPBOARD)
    done = []

    def act():
        if mode == "copy":
            clipboard.set_text(sys.argv[2], -1)
            print("copied", flush=True)
        else:
            print("pasted:", clipboard.wait_for_text(), flush=True)
            Gtk.main_quit()
        return False

    def focused(*_):
        if not done:
            done.append(True)
            # Let the focus settle: the serial GTK copies with comes from it.
            GLib.timeout_add(200, act)
        return False

    window.connect("focus-in-event", focused)
    window.show_all()
    Gtk.main()


if __name__ == "__main__":
    main()
