"""``make screenshots`` (docs/development.md) still produces every picture the docs show. Run with
``SHOTS_ARGS`` sending both folders to a temporary place: the committed docs/screenshots/ are left alone
(a new run rewrites their bytes), and ``-o .venv/.installed`` takes the venv as installed."""
from __future__ import annotations

import os
import shlex
import subprocess

import pytest

from tests.doc_commands import ROOT
from tools.screenshots import DOCS_SHOTS

AFTER_JOURNEE = ("journee-checkin", "journee-certificate", "journee-survey-results")


@pytest.mark.slow
@pytest.mark.browser
# doc-command: make screenshots
def test_make_screenshots_writes_every_shot_the_docs_show(tmp_path):
    out, docs = tmp_path / "out", tmp_path / "docs"
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    done = subprocess.run(["make", "-o", ".venv/.installed", "screenshots",
                           f"SHOTS_ARGS=--out {shlex.quote(str(out))} --docs {shlex.quote(str(docs))}"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    written = sorted(p.stem for p in docs.glob("*.png"))
    assert written == sorted((*DOCS_SHOTS, *AFTER_JOURNEE))
    committed = sorted(p.stem for p in (ROOT / "docs" / "screenshots").glob("*.png"))
    assert written == committed  # the docs show exactly what the tool makes
    assert all(p.stat().st_size < 400 * 1024 for p in docs.glob("*.png"))
    assert (out / "announcement-375.png").is_file()
