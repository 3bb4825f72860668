"""``make run`` as the README shows it: it migrates, loads the demo and serves, prints the admin URL and the
demo login it says it prints, and that login opens the admin. Run with an instance folder and a port of its
own (the README's second form, ``LETTRINE_INSTANCE_DIR=… make run PORT=…``), so it never touches the
checkout's instance/ nor a port in use; ``-o .venv/.installed`` takes the venv as installed (``make test``
just did it), so the test never reinstalls packages."""
from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import subprocess
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from tests.doc_commands import ROOT, commands_in, fenced_blocks, split_environment
from tests.smtp_server import free_port

CLEARED = ("DATABASE_URL", "SMTP_URL", "DEMO_ADMIN_PASSWORD", "LETTRINE_ENV", "SECRET_KEYS", "BASE_URL",
           "TEST_DATABASE_URL", "MAKEFLAGS", "MFLAGS", "MAKELEVEL")


def _readme_output() -> list[str]:
    """The lines the README says ``make run`` prints (its ```text block)."""
    [lines] = [lines for lang, _, _, lines in fenced_blocks(ROOT / "README.md") if lang == "text"]
    return [line for line in lines if line.strip()]


def _opener() -> urllib.request.OpenerDirector:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect())


def _get(opener, url: str, data: dict | None = None) -> tuple[int, str, str]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    try:
        with opener.open(urllib.request.Request(url, data=body), timeout=30) as response:
            return response.status, response.headers.get("Location", ""), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location", ""), error.read().decode()


@contextmanager
def _serving(command: list[str], env: dict[str, str], seconds: int) -> Iterator[list[str]]:
    """Run ``command`` (in its own process group: make, flask and the server stop together) until it prints
    the "Services" line; yield what it printed; stop the group."""
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    assert proc.stdout is not None
    printed: list[str] = []
    try:
        deadline = time.monotonic() + seconds
        while not any(line.startswith("  Services :") for line in printed):
            line = proc.stdout.readline()
            assert line or proc.poll() is None, f"{command} ended:\n" + "".join(printed)
            assert time.monotonic() < deadline, f"{command} printed no login:\n" + "".join(printed)
            printed.append(line)
        yield printed
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        proc.stdout.close()


@pytest.mark.slow
# doc-command: make run
# doc-command: LETTRINE_INSTANCE_DIR=/tmp/lettrine-2 make run PORT=5001
def test_make_run_serves_the_demo_and_prints_a_login_that_works(tmp_path):
    [shown_command] = [c for c in commands_in(ROOT / "README.md") if "PORT=" in c.text]
    env_line, words = split_environment(shown_command.words)
    assert env_line == {"LETTRINE_INSTANCE_DIR": "/tmp/lettrine-2"} and words == ["make", "run", "PORT=5001"]
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env.update(env_line, LETTRINE_INSTANCE_DIR=str(tmp_path), PYTHONUNBUFFERED="1")
    command = [words[0], "-o", ".venv/.installed", *words[1:-1], f"PORT={port}"]
    with _serving(command, env, 240) as printed:
        shown = [line.rstrip("\n") for line in printed if line.startswith("  ")][-3:]
        password = (tmp_path / "demo-admin-password").read_text().strip()
        expected = [line.replace("5000", str(port)).replace("<the demo password>", password)
                    for line in _readme_output()]
        assert shown == expected, printed
        url = re.search(r"(http://\S+)", shown[0]).group(1)

        opener = _opener()
        for _ in range(100):
            try:
                status, location, _ = _get(opener, url)
                break
            except OSError:
                time.sleep(0.2)
        assert status == 302 and "/login" in location, (status, location)
        login_url = urllib.parse.urljoin(url, location)
        status, _, page = _get(opener, login_url)
        csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        status, location, _ = _get(opener, login_url, {"csrf_token": csrf, "email": "admin@crpve91.fr",
                                                       "password": password})
        assert status == 302, status
        status, _, page = _get(opener, url)
        assert status == 200 and "Tableau de bord" in page
    assert Path(tmp_path / "lettrine.db").is_file()  # the instance folder's own SQLite database


@pytest.mark.slow
# doc-command: LETTRINE_INSTANCE_DIR=/tmp/lettrine-2 .venv/bin/flask --app wsgi dev --port 5002
def test_flask_dev_serves_on_the_port_it_is_given(tmp_path):
    """The README's ``flask dev --port``, with an instance folder of its own: it migrates nothing itself, so the
    database is upgraded first (as ``make run`` does); then it serves on that port, prints it, and the folder
    holds the instance's database and keys."""
    [shown_command] = [c for c in commands_in(ROOT / "README.md") if "--port" in c.text]
    env_line, words = split_environment(shown_command.words)
    assert env_line == {"LETTRINE_INSTANCE_DIR": "/tmp/lettrine-2"}
    assert words[:4] == [".venv/bin/flask", "--app", "wsgi", "dev"] and words[4:] == ["--port", "5002"]
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env.update(LETTRINE_INSTANCE_DIR=str(tmp_path), PYTHONUNBUFFERED="1")
    subprocess.run([words[0], "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    with _serving([*words[:4], "--port", str(port)], env, 120) as printed:
        assert f"  Lettrine : http://127.0.0.1:{port}/admin/\n" in printed
        for _ in range(100):
            try:
                status, _, body = _get(_opener(), f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                time.sleep(0.2)
        assert status == 200, (status, body)
    assert (tmp_path / "lettrine.db").is_file() and (tmp_path / "dev-secret-key").is_file()
