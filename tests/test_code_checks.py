"""`make lint` bites: the checked-in configuration reports a new lint error and a new type error."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"


def test_ruff_reports_a_new_unused_import_and_a_blind_except(tmp_path):
    bad = ROOT / "app" / "operations" / "_lint_probe.py"
    bad.write_text("import os\n\n\ndef f():\n    try:\n        return 1\n    except Exception:\n        return 2\n")
    try:
        result = subprocess.run([str(BIN / "ruff"), "check", str(bad)], cwd=ROOT, capture_output=True, text=True)
    finally:
        bad.unlink()
    assert result.returncode == 1
    assert "F401" in result.stdout and "BLE001" in result.stdout


def test_mypy_reports_a_new_type_error_outside_the_baseline():
    bad = ROOT / "app" / "operations" / "_type_probe.py"
    bad.write_text("def count() -> int:\n    return 'many'\n")
    try:
        result = subprocess.run([str(BIN / "mypy"), str(bad)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    finally:
        bad.unlink()
    assert result.returncode == 1
    assert "Incompatible return value type" in result.stdout
