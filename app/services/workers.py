"""The sending workers, as ``flask worker`` starts them: one in this process, or several forked.

The worker itself (claim, re-check, send, record) is ``app.sending.worker``; this is the
entry point the command line calls, so the CLI never reaches into the sending layer. Each
worker is given its policy (``services.campaigns.sending_policy``) here, checked before it starts.
"""
from __future__ import annotations

from flask import Flask

from app.sending.worker import SchemaError as NotMigrated
from app.sending.worker import WorkerOptions, WorkerStats, run_process, run_processes
from app.services.campaigns import sending_policy

__all__ = ["NotMigrated", "WorkerOptions", "WorkerStats", "run_sending_worker", "run_sending_workers"]


def run_sending_worker(app: Flask, options: WorkerOptions, until_idle: bool) -> WorkerStats:
    """Send in this process until stopped (SIGTERM, SIGINT) or, ``until_idle``, until nothing is due.
    NotMigrated when the database has no schema (the worker stops instead of retrying forever)."""
    return run_process(app, options, until_idle, sending_policy())


def run_sending_workers(app: Flask, count: int, options: WorkerOptions, until_idle: bool) -> int:
    """Fork ``count`` workers and wait for them (SIGTERM passed on); the worst exit code."""
    return run_processes(app, count, options, until_idle, sending_policy())
