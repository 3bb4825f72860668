"""Authentication before the body (issue #22): an anonymous or unauthorised request to the admin or
the API is answered before its body is read; the import's larger limit is a logged-in user's only.

Finding reproduced: an anonymous 100 MB upload to /admin/imports was read in full, then answered
400, where every other route answers 413 at 1 MB. Proved on a real server socket: the headers
announce 100 MB, no byte of the body is sent, and the answer must arrive anyway (a server that
reads the body first would wait for it).
"""
from __future__ import annotations

import re
import socket
import time

import pytest

from tests.api_helpers import token_header
from tests.browser import LiveServer
from tests.security_helpers import own_app

HUNDRED_MB = 100 * 1024 * 1024
BOUNDARY = "lettrine-test"


def _answer_without_body(server, path: str, headers: dict[str, str] | None = None,
                         timeout: float = 5.0) -> tuple[int, str, float]:
    """Send only the headers of a 100 MB POST; (status, head, seconds) of the answer, or status 0 if none came."""
    lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{server.port}", f"Content-Length: {HUNDRED_MB}",
             f"Content-Type: multipart/form-data; boundary={BOUNDARY}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    start = time.perf_counter()
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        sock.sendall(f"--{BOUNDARY}\r\n".encode())  # the first bytes of a body, never the rest
        try:
            head = sock.recv(4096).decode("latin-1")
        except socket.timeout:
            return 0, "", time.perf_counter() - start
    match = re.match(r"HTTP/1\.[01] (\d{3})", head)
    return (int(match.group(1)) if match else -1), head, time.perf_counter() - start


@pytest.fixture
def strict_server(migrated):
    """The app as deployed: CSRF on (the check that used to read the body first), on a real socket."""
    with own_app(migrated, {"WTF_CSRF_ENABLED": True}) as application:
        server = LiveServer(application).start()
        yield server
        server.stop()


def _session_cookie(server, email: str) -> str:
    """Log in over the socket, CSRF token and all; the Cookie header to send."""
    import http.client
    from urllib.parse import urlencode

    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("GET", "/admin/login")
    page = conn.getresponse()
    cookie = "; ".join(c.split(";", 1)[0] for c in page.headers.get_all("Set-Cookie") or [])
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.read().decode()).group(1)
    body = urlencode({"email": email, "password": "correct horse battery", "csrf_token": token})
    conn.request("POST", "/admin/login", body, {"Content-Type": "application/x-www-form-urlencoded",
                                                "Cookie": cookie, "Referer": f"http://127.0.0.1:{server.port}/"})
    response = conn.getresponse()
    assert response.status == 302, response.read()[:300]
    cookies = [c.split(";", 1)[0] for c in response.headers.get_all("Set-Cookie") or []]
    conn.close()
    return "; ".join(cookies)


def _editor() -> str:
    from app.extensions import db
    from app.models import Role, User

    user = User(email="editor@example.org", name="Éditrice", role=Role.EDITOR)
    user.set_password("correct horse battery")
    db.session.add(user)
    db.session.commit()
    return user.email


def test_an_anonymous_100_mb_upload_is_answered_before_its_body(strict_server):
    status, head, seconds = _answer_without_body(strict_server, "/admin/imports")
    assert status == 302 and "/admin/login" in head, head  # to the login page, nothing read
    assert seconds < 2


@pytest.mark.parametrize("path", ["/admin/users", "/admin/subscribers/new", "/admin/events/new"])
def test_every_admin_route_answers_an_anonymous_post_before_its_body(strict_server, path):
    status, head, _seconds = _answer_without_body(strict_server, path)
    assert status == 302 and "/admin/login" in head, head


def test_an_editor_is_refused_an_admin_only_page_before_its_body(strict_server):
    cookie = _session_cookie(strict_server, _editor())
    status, _head, _seconds = _answer_without_body(strict_server, "/admin/users", {"Cookie": cookie})
    assert status == 403


def test_the_import_limit_is_for_a_logged_in_user_only(strict_server):
    """Logged in, the import page waits for its body (it may be up to IMPORT_MAX_MB); anywhere else
    the 1 MB limit answers 413 from the headers alone."""
    cookie = _session_cookie(strict_server, _editor())
    status, _head, seconds = _answer_without_body(strict_server, "/admin/imports", {"Cookie": cookie}, timeout=1.0)
    assert status == 0 and seconds >= 1.0  # no answer: the server reads the body it is allowed
    status, _head, _seconds = _answer_without_body(strict_server, "/admin/subscribers/new", {"Cookie": cookie})
    assert status == 413


@pytest.mark.parametrize("path", ["/api/v1/subscribers", "/api/bounces"])
@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer lt_not-a-token"}])
def test_the_api_refuses_a_request_without_a_valid_token_before_its_body(strict_server, headers, path):
    status, head, _seconds = _answer_without_body(strict_server, path, headers)
    assert status == 401, head


def test_the_api_refuses_a_token_without_the_scope_before_its_body(strict_server):
    status, head, _seconds = _answer_without_body(strict_server, "/api/v1/subscribers", token_header("events:read"))
    assert status == 403, head


def test_nginx_asks_the_app_before_taking_an_import_body():
    """deploy/'s nginx site: the import location's larger limit sits behind ``auth_request`` to the
    app's /admin/imports/allowed, which reads no body."""
    from pathlib import Path

    site = (Path(__file__).parent.parent / "deploy" / "nginx" / "lettrine.conf").read_text()
    imports = re.search(r"location = /admin/imports \{(.*?)\n    \}", site, re.S).group(1)
    assert "client_max_body_size 200m;" in imports and "auth_request /_lettrine_upload_allowed;" in imports
    check = re.search(r"location = /_lettrine_upload_allowed \{(.*?)\n    \}", site, re.S).group(1)
    assert "internal;" in check and "proxy_pass_request_body off;" in check
    assert "/admin/imports/allowed" in check


def test_the_upload_check_answers_204_logged_in_401_else(app, client, admin_client):
    assert admin_client.get("/admin/imports/allowed").status_code == 204
    admin_client.post("/admin/logout")
    assert client.get("/admin/imports/allowed").status_code == 401
