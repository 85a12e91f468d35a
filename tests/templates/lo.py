"""Test helper: headless LibreOffice (soffice) as the real spreadsheet application.

Every run gets its own profile directory (``-env:UserInstallation``), never the user's, and that
profile forces recalculation on load: LibreOffice otherwise keeps the cached values of an .xlsx
(openpyxl writes none, Excel writes its own). Several files go through one soffice call, since
starting soffice costs about a second.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

# OOXMLRecalcMode / ODFRecalcMode: 0 = always recalculate on load, 1 = never, 2 = ask.
_RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
</oor:items>
"""

TIMEOUT = 180


def find_soffice() -> str | None:
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return None


def make_profile(folder: Path) -> Path:
    """A fresh LibreOffice user profile under ``folder`` that recalculates every file it loads."""
    user = folder / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(_RECALC_ALWAYS, encoding="utf-8")
    return folder


def convert(files: Sequence[Path], target: str, outdir: Path, profile: Path, soffice: str | None = None) -> list[Path]:
    """Open ``files`` in one headless soffice call, recalculate, save as ``target`` ("xlsx", "pdf").

    Returns the output paths in the order of ``files``; raises RuntimeError when one is missing
    (soffice exits 0 even when a file fails to load).
    """
    soffice = soffice or find_soffice()
    if soffice is None:
        raise RuntimeError("soffice not found")
    outdir.mkdir(parents=True, exist_ok=True)
    names = [Path(f).stem for f in files]
    if len(set(names)) != len(names):
        raise ValueError("files must have distinct names: outputs land in one folder")
    env = dict(os.environ, HOME=str(profile), SAL_USE_VCLPLUGIN="svp")
    filters = {"xlsx": "xlsx:Calc MS Excel 2007 XML", "pdf": "pdf:calc_pdf_Export"}
    cmd = [soffice, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless", "--norestore",
           "--nologo", "--nodefault", "--convert-to", filters.get(target, target), "--outdir", str(outdir),
           *(str(f) for f in files)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, env=env, check=False)
    outputs = [outdir / f"{name}.{target}" for name in names]
    missing = [p for p in outputs if not p.exists()]
    if proc.returncode != 0 or missing:
        raise RuntimeError(f"soffice failed (exit {proc.returncode}); missing {missing}\n{proc.stdout}\n{proc.stderr}")
    return outputs
