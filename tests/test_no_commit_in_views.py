"""Views and CLI commands parse, call one service function, present: the transaction is the service's.

Every module under ``app/web`` and ``app/cli`` is read with ``ast`` (nested functions and
class bodies included): a ``.commit()`` call, or ``session.commit`` named without a call
(handed on as a callback), fails the test with the file and line. The scan itself is
checked on planted sources, so a test that reads nothing cannot pass.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("app/web", "app/cli")


def commits_in(source: str) -> list[int]:
    """Lines of ``<anything>.commit(...)`` calls and of ``session.commit`` references."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "commit":
            lines.append(node.lineno)
        elif isinstance(node, ast.Attribute) and node.attr == "commit" and _names_session(node.value):
            lines.append(node.lineno)
    return sorted(set(lines))


def _names_session(node: ast.expr) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "session") or (
        isinstance(node, ast.Name) and node.id == "session")


def _modules() -> list[Path]:
    return sorted(p for folder in SCANNED for p in (ROOT / folder).rglob("*.py"))


def test_the_scan_reads_every_module_of_the_web_and_the_cli():
    found = {p.relative_to(ROOT).as_posix() for p in _modules()}
    assert {"app/web/admin/campaigns.py", "app/web/api_v1/core.py", "app/cli/campaigns.py", "app/cli/demo.py"} <= found
    assert len(found) > 60


@pytest.mark.parametrize("source, expected", [
    ("from app.extensions import db\ndef view():\n    db.session.commit()\n", [3]),
    ("def view(session):\n    session.commit()\n", [2]),
    ("def view(conn):\n    conn.commit()\n", [2]),
    ("class V:\n    def post(self):\n        def inner():\n            self.db.session.commit()\n        return inner\n", [4]),
    ("import atexit\nfrom app.extensions import db\natexit.register(db.session.commit)\n", [3]),
    ("def view(session):\n    done = session.commit\n    done()\n", [2]),
    ("def view(row):\n    row.committed = True\n    return row.commit_message\n", []),
])
def test_the_scan_finds_a_planted_commit(source, expected):
    assert commits_in(source) == expected


def test_no_commit_under_the_web_or_the_cli():
    found = [f"{path.relative_to(ROOT)}:{line}" for path in _modules()
             for line in commits_in(path.read_text(encoding="utf-8"))]
    assert found == [], "commit in a view or a command (move it into the service that owns the rule): " + ", ".join(found)
