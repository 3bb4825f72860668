"""Imports point one way: web and cli → services → sending → message → models.

Read with ``ast`` over every module of ``app/``, function-level imports included
(a function-level import is how a cycle hides). ``app.message`` is pure: it may
import nothing of the application but itself (no database session, no request,
no settings), so it can be tested and reasoned about alone.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app"

# Layer of each top-level package or module of the application; a module may import its own
# layer and those below (a higher number), never one above.
LAYERS = {
    "app.web": 0, "app.cli": 0,
    "app.scheduling": 1,
    "app.operations": 0,  # wires /healthz, /readyz, /metrics into the web app
    "app.operations.health": 2,
    "app.operations.metrics": 3,  # counts what the sending layer reports; the worker feeds it
    "app.operations.heartbeat": 5,  # a row per live process: infrastructure
    "app.operations.logs": 5,
    "app.services": 2,
    "app.sending": 3,
    "app.message": 4,
    # Infrastructure every layer above the message package may use.
    "app.models": 5, "app.extensions": 5, "app.database": 5, "app.links": 5, "app.tokens": 5,
    "app.timeutil": 5, "app.i18n": 5,
    "app.background": 5,  # the registry of ``flask dev``'s threads: imports nothing of the application
}
# What the pure message package may import from the application: only itself.
MESSAGE_MAY_IMPORT = ("app.message",)


def layer_of(module: str) -> tuple[str, int] | None:
    for prefix, layer in sorted(LAYERS.items(), key=lambda kv: -len(kv[0])):
        if module == prefix or module.startswith(prefix + "."):
            return prefix, layer
    return None


def _is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imports_of(path: Path, module: str) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = module.rsplit(".", node.level)[0]
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            # "from app.sending import queue" imports the module app.sending.queue: judge that one.
            submodules = [f"{target}.{alias.name}" for alias in node.names if _is_module(f"{target}.{alias.name}")]
            found += [(node.lineno, name) for name in submodules] or [(node.lineno, target)]
    return [(line, name) for line, name in found if name == "app" or name.startswith("app.")]


def modules():
    for path in sorted(APP.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield path, module


def test_no_import_points_up():
    upward = []
    for path, module in modules():
        own = layer_of(module)
        if own is None:
            continue
        for line, target in imports_of(path, module):
            theirs = layer_of(target)
            if theirs is not None and theirs[1] < own[1]:
                upward.append(f"{path.relative_to(ROOT)}:{line} {own[0]} imports {target}")
    assert upward == []


def test_the_message_package_imports_nothing_of_the_application_but_itself():
    found = []
    for path, module in modules():
        if not module.startswith("app.message"):
            continue
        for line, target in imports_of(path, module):
            if target != "app" and not target.startswith(MESSAGE_MAY_IMPORT):
                found.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
            if target == "app":
                found.append(f"{path.relative_to(ROOT)}:{line} imports from app")
        source = path.read_text(encoding="utf-8")
        for forbidden in ("current_app", "db.session", "flask import request"):
            if forbidden in source:
                found.append(f"{path.relative_to(ROOT)} uses {forbidden}")
    assert found == []


def test_the_checker_sees_an_upward_import(tmp_path):
    """The test above could pass by reading nothing: it must flag a planted upward import."""
    fake = tmp_path / "planted.py"
    fake.write_text("def f():\n    from app.services.campaigns.lifecycle import start_campaign\n", encoding="utf-8")
    [(line, target)] = imports_of(fake, "app.sending.planted")
    assert line == 2 and layer_of(target)[1] < layer_of("app.sending.planted")[1]
