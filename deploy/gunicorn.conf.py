"""gunicorn settings for Lettrine (``gunicorn --config deploy/gunicorn.conf.py wsgi:app``).

Values come from the environment so the systemd unit, the environment file and
``make prod-check`` share one file: GUNICORN_BIND (default 127.0.0.1:8000, nginx in
front), WEB_CONCURRENCY (processes, default 2 × cores + 1, at most 8), GUNICORN_THREADS.
"""

from __future__ import annotations

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", min(8, 2 * multiprocessing.cpu_count() + 1)))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# A CSV upload of 200 MB over a slow line is streamed by nginx first (request buffering),
# so gunicorn's own timeout only covers the app's work.
timeout = 60
graceful_timeout = 30
keepalive = 5
# nginx logs every request; the app logs what matters with the request id.
accesslog = None
errorlog = "-"
# The proxy headers are handled by the app (TRUSTED_PROXIES → ProxyFix), not by gunicorn.
forwarded_allow_ips = ""
proc_name = "lettrine-web"
# gunicorn's control socket defaults to ~/.gunicorn/, unwritable under ProtectHome=yes: not needed
# (systemctl reload sends HUP).
control_socket_disable = True


def child_exit(server, worker) -> None:
    """Prometheus multiprocess mode: a dead worker's live gauges must stop counting."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
