"""Background services that ``flask dev`` runs as threads beside the web server.

In production they are separate processes (``flask worker``, ``flask scheduler``);
in development one process runs everything. A module that owns a service
registers a starter here; ``flask dev`` calls each once (never under a reloader).
"""
from __future__ import annotations

import logging
import threading
from typing import Any, Callable

from flask import Flask, current_app

log = logging.getLogger(__name__)

Starter = Callable[[Flask, threading.Event], None]
_STARTERS: dict[str, Starter] = {}


def real_app() -> Flask:
    """The application behind ``current_app``, to hand to a thread or a process (the proxy is bound to
    this context). Flask types the proxy as the application itself, so its own method is reached untyped."""
    proxy: Any = current_app
    return proxy._get_current_object()


def register(name: str, starter: Starter) -> None:
    """``starter(app, stop)`` runs in its own daemon thread until ``stop`` is set."""
    _STARTERS[name] = starter


def start_all(app: Flask) -> threading.Event:
    """Start every registered service; set the returned event to stop them."""
    stop = threading.Event()
    for name, starter in sorted(_STARTERS.items()):
        thread = threading.Thread(target=starter, args=(app, stop), name=f"lettrine-{name}", daemon=True)
        thread.start()
        log.info("background service started: %s", name)
    return stop


def names() -> list[str]:
    return sorted(_STARTERS)
