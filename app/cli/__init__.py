"""Flask CLI commands: one module per group, each exposing ``cli`` (a click command or group).

Modules are discovered automatically; a module may also attach sub-commands to
another module's group (``campaigns render`` lives with rendering, for example).

Every command registered here runs behind one error boundary (:func:`guard`):
before it starts, the database must answer and be at the migrations' head; a
configuration, connection or schema error, then or later, becomes one line in
French and English and exit status 1, never a traceback; so does a refusal of the
rules (:class:`app.errors.LettrineError`), with its French message.
"""
from __future__ import annotations

import functools
import importlib
import pkgutil
import sys
from pathlib import Path
from typing import Callable, NoReturn

import click
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app, has_app_context
from flask.cli import ScriptInfo
from sqlalchemy import exc as sa_exc

from app.database import db_error_kind
from app.errors import LettrineError
from app.extensions import db
from config import ConfigError

NOT_INITIALISED = ("Base de données non initialisée : lancez flask --app wsgi db upgrade "
                   "/ database not initialised: run flask --app wsgi db upgrade")


def register_commands(app: Flask) -> None:
    package = sys.modules[__name__]
    modules = [importlib.import_module(f"{__name__}.{m.name}") for m in pkgutil.iter_modules(package.__path__)]
    for module in modules:
        command = getattr(module, "cli", None)
        if isinstance(command, click.Command):
            guard(command)
            app.cli.add_command(command)


def fail(message: str) -> NoReturn:
    """Stop a command with a one-line error and a non-zero exit status."""
    raise click.ClickException(message)


def guard(command: click.Command) -> None:
    """Put ``command`` (and, for a group, every sub-command) behind the error boundary; idempotent."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            guard(sub)
    callback = command.callback
    if callback is None or getattr(callback, "_lettrine_guarded", False):
        return
    check_schema = not isinstance(command, click.Group) and not getattr(callback, "_lettrine_any_schema", False)
    command.callback = _guarded(callback, check_schema=check_schema)


def any_schema(callback: Callable) -> Callable:
    """For a command made for a database that is not at the head (``backup restore`` wants an empty one)."""
    callback._lettrine_any_schema = True  # type: ignore[attr-defined]
    return callback


def _guarded(callback: Callable, check_schema: bool) -> Callable:
    @functools.wraps(callback)
    def run(*args, **kwargs):
        if not has_app_context():  # as flask.cli.with_appcontext does (a test runner, a nested call)
            ctx = click.get_current_context()
            ctx.with_resource(ctx.ensure_object(ScriptInfo).load_app().app_context())
        try:
            if check_schema:
                problem = database_problem()
                if problem:
                    fail(problem)
            return callback(*args, **kwargs)
        except LettrineError as error:
            db.session.rollback()
            fail(error.message)
        except ConfigError as error:
            fail(str(error))
        except (sa_exc.SQLAlchemyError, OSError) as error:
            message = explain_database_error(error)
            if message is None:
                raise
            fail(message)

    run._lettrine_guarded = True  # type: ignore[attr-defined]
    return run


def explain_database_error(error: BaseException) -> str | None:
    """The one line for a schema or connection error; None for anything else."""
    kind = db_error_kind(error)
    if kind == "schema":
        return NOT_INITIALISED
    if kind == "connection":
        original = getattr(error, "orig", None) or error
        detail = " ".join(str(original).split())[:160]
        return (f"Base de données injoignable ({detail}) : vérifiez DATABASE_URL "
                "/ database unreachable: check DATABASE_URL")
    return None


def database_problem() -> str | None:
    """Why the database cannot serve this code (not reachable, not initialised, behind), or None."""
    try:
        with db.engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
    except sa_exc.SQLAlchemyError as error:
        message = explain_database_error(error)
        if message is None:
            raise
        return message
    if not current:
        return NOT_INITIALISED
    heads = _heads(current_app.extensions["migrate"].directory)
    if current != heads:
        return (f"Base de données pas à jour (révision {', '.join(sorted(current))}, attendue "
                f"{', '.join(sorted(heads))}) : lancez flask --app wsgi db upgrade "
                "/ database not up to date: run flask --app wsgi db upgrade")
    return None


@functools.lru_cache(maxsize=4)
def _heads(directory: str) -> frozenset[str]:
    return frozenset(ScriptDirectory(str(Path(directory))).get_heads())
