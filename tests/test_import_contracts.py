"""The import contracts of ``pyproject.toml`` (import-linter) hold, and each would catch a breach.

``make lint`` runs ``lint-imports``; this test runs it too, on the real tree and on a copy of
``app/`` with one import planted per contract, so that a contract that reads nothing (a typo in
a module name, a wildcard that matches nothing) fails here instead of passing silently.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
DOMAINS = ("accounts", "audience", "campaigns", "events", "deliverability", "integrations", "privacy", "sequences",
           "support")

# A planted module per contract: (path inside app/, its source). Each breaks its own contract only.
PLANTED = {
    "layers": ("models/planted_up.py", "import app.services.audience\n"),
    "domains": ("services/support/planted_up.py", "import app.services.events\n"),
    "message-pure": ("message/planted_flask.py", "from flask import current_app\n"),
    "no-skipping": ("web/planted_skip.py", "from app.sending import queue\n"),
    **{f"surface-{d}": (f"cli/planted_{d}.py", f"from app.services.{d} import {sub}\n") for d, sub in (
        ("accounts", "users"), ("audience", "core"), ("campaigns", "lifecycle"), ("events", "registrations"),
        ("deliverability", "bounces"), ("integrations", "webhooks"), ("privacy", "rights"),
        ("sequences", "engine"), ("support", "slugs"))},
}


def _contracts(tree: Path) -> dict[str, str]:
    """Run lint-imports on the ``app`` package under ``tree``: {contract id: KEPT or BROKEN}."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    result = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(ROOT / "pyproject.toml")] +
        [arg for cid in _ids() for arg in ("--contract", cid)],
        cwd=tree, env=env, capture_output=True, text=True, timeout=120)
    names = _names()
    found = {}
    flat = re.sub(r"\s*\n\s*", " ", result.stdout)
    for cid, name in names.items():
        match = re.search(re.escape(name) + r" (KEPT|BROKEN)", flat)
        assert match, f"{cid} not reported:\n{result.stdout}\n{result.stderr}"
        found[cid] = match.group(1)
    return found


def _config() -> dict:
    import tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]


def _ids() -> list[str]:
    return [c["id"] for c in _config()["contracts"]]


def _names() -> dict[str, str]:
    return {c["id"]: c["name"] for c in _config()["contracts"]}


def _copy_of_app(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "app", tmp_path / "app", ignore=shutil.ignore_patterns(
        "__pycache__", "static", "templates", "translations"))
    return tmp_path


def test_every_contract_is_kept_on_the_tree():
    assert set(_ids()) == set(PLANTED), "a contract without a planted breach (or the reverse)"
    assert _contracts(ROOT) == {cid: "KEPT" for cid in _ids()}


@pytest.mark.parametrize("contract", sorted(PLANTED))
def test_each_contract_fails_on_its_planted_import(tmp_path, contract):
    tree = _copy_of_app(tmp_path)
    rel, source = PLANTED[contract]
    (tree / "app" / rel).write_text(source, encoding="utf-8")
    found = _contracts(tree)
    assert {cid for cid, state in found.items() if state == "BROKEN"} == {contract}


def test_a_module_no_layer_names_fails(tmp_path):
    """The layers contracts are exhaustive: a new top-level module, or a new package beside the
    domains, must be given a place before it is used."""
    tree = _copy_of_app(tmp_path)
    (tree / "app" / "orphan.py").write_text("X = 1\n", encoding="utf-8")
    (tree / "app" / "services" / "orphan.py").write_text("X = 1\n", encoding="utf-8")
    found = _contracts(tree)
    assert found["layers"] == "BROKEN" and found["domains"] == "BROKEN"
    assert {cid for cid, state in found.items() if state == "BROKEN"} == {"layers", "domains"}
