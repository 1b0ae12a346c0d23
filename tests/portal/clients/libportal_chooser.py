#!/usr/bin/python3
"""libportal (gir1.2-xdp-1.0), as an app using it calls the FileChooser
portal: xdp_portal_open_file, save_file and save_files, then GIO on the
URIs it got.

Usage: libportal_chooser.py open|open-many|save|save-many [TEXT]
save-many asks for "one.txt" and "two.txt" and writes TEXT plus the name
to each. Output as gtk4_chooser.py's; a failed request prints "error
DOMAIN CODE MESSAGE" (a cancel: "response cancel"). Exit status 0, or 1
when no answer came within 60 s."""
import sys

import gi

gi.require_version("Xdp", "1.0")
from gi.repository import Gio, GLib, Xdp  # noqa: E402

mode = sys.argv[1]
portal = Xdp.Portal()
loop = GLib.MainLoop()
answered = False


def done(finish, res):
    global answered
    answered = True
    try:
        results = finish(res).unpack()
    except GLib.Error as e:
        if e.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED):
            print("response cancel")
        else:
            print("error", GLib.quark_to_string(e.domain), e.code, e.message)
        loop.quit()
        return
    print("response accept")
    for uri in results["uris"]:
        f = Gio.File.new_for_uri(uri)
        print("path", f.get_path())
        if mode.startswith("open"):
            data = f.load_contents(None)[1].decode()
            print("content %s: %s" % (f.get_path(), data.splitlines()[0] if data else ""))
        else:
            text = sys.argv[2] + (" " + f.get_basename() if mode == "save-many" else "")
            f.replace_contents(text.encode(), None, False, Gio.FileCreateFlags.NONE, None)
            print("saved", f.get_path())
    loop.quit()


if mode in ("open", "open-many"):
    flags = Xdp.OpenFileFlags.MULTIPLE if mode == "open-many" else Xdp.OpenFileFlags.NONE
    filters = GLib.Variant("a(sa(us))", [("Text", [(0, "*.txt")])])
    portal.open_file(None, "libportal " + mode, filters, None, None, flags, None,
                     lambda s, r: done(portal.open_file_finish, r))
elif mode == "save":
    portal.save_file(None, "libportal save", "libportal.txt", None, None, None, None, None,
                     Xdp.SaveFileFlags.NONE, None, lambda s, r: done(portal.save_file_finish, r))
else:
    files = GLib.Variant("aay", [b"one.txt\0", b"two.txt\0"])
    portal.save_files(None, "libportal save-many", None, None, files, None,
                      Xdp.SaveFileFlags.NONE, None, lambda s, r: done(portal.save_files_finish, r))
GLib.timeout_add_seconds(60, loop.quit)
loop.run()
sys.exit(0 if answered else 1)
