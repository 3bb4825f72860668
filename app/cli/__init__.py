"""Flask CLI commands: one module per group, each exposing ``cli`` (a click command or group).

Modules are discovered automatically; a module may also attach sub-commands to
another module's group (``campaigns render`` lives with rendering, for example).
"""
from __future__ import annotations

import importlib
import pkgutil
import sys

import click
from flask import Flask


def register_commands(app: Flask) -> None:
    package = sys.modules[__name__]
    modules = [importlib.import_module(f"{__name__}.{m.name}") for m in pkgutil.iter_modules(package.__path__)]
    for module in modules:
        command = getattr(module, "cli", None)
        if isinstance(command, click.Command):
            app.cli.add_command(command)


def fail(message: str) -> None:
    """Stop a command with a one-line error and a non-zero exit status."""
    raise click.ClickException(message)
