#!/usr/bin/python3
"""Qt 5's QFileDialog, as an unmodified Qt 5 app uses it (run with
QT_QPA_PLATFORMTHEME=xdgdesktopportal and qt5-xdgdesktopportal-platformtheme
installed): the static getOpenFileName(s), getSaveFileName and
getExistingDirectory, then QFile to read and QSaveFile to write.

Usage: qt5_chooser.py open|open-many|save|folder [TEXT]
Output as gtk4_chooser.py's. Exit status 0, or 1 when a read or a save
failed."""
import os
import sys

from PyQt5.QtCore import QFile, QIODevice, QSaveFile
from PyQt5.QtWidgets import QApplication, QFileDialog

app = QApplication(sys.argv[:1])
mode = sys.argv[1]
if mode == "open":
    path = QFileDialog.getOpenFileName(None, "Qt open", "", "Text (*.txt);;All (*)")[0]
    paths = [path] if path else []
elif mode == "open-many":
    paths = QFileDialog.getOpenFileNames(None, "Qt open many", "", "Text (*.txt);;All (*)")[0]
elif mode == "save":
    path = QFileDialog.getSaveFileName(None, "Qt save", "qt5.txt")[0]
    paths = [path] if path else []
else:
    path = QFileDialog.getExistingDirectory(None, "Qt folder")
    paths = [path] if path else []
if not paths:
    print("response cancel")
    sys.exit(0)
print("response accept")
status = 0
for p in paths:
    print("path", p)
    if mode in ("open", "open-many"):
        f = QFile(p)
        if not f.open(QIODevice.ReadOnly):
            print("cannot read", p, f.errorString())
            status = 1
            continue
        data = bytes(f.readAll()).decode()
        print("content %s: %s" % (p, data.splitlines()[0] if data else ""))
    elif mode == "save":
        f = QSaveFile(p)
        if not (f.open(QIODevice.WriteOnly) and f.write(sys.argv[2].encode()) >= 0 and f.commit()):
            print("cannot save", p, f.errorString())
            status = 1
            continue
        print("saved", p)
    else:
        for name in sorted(os.listdir(p)):
            print("entry", name)
sys.exit(status)
