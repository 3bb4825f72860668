"""premailer / cssutils never fetch a stylesheet while inlining CSS, ``@import`` included: a loopback
HTTP server counts the requests the renderer makes (there must be none)."""
from __future__ import annotations

import http.server
import threading

import pytest

from app.message.render import inline_css
from tests.browser import free_port


@pytest.fixture
def css_server():
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            hits.append(self.path)
            body = b"p { color: red }"
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()


@pytest.mark.parametrize("rule", ['@import "{url}/a.css";', "@import url({url}/b.css);",
                                  '@import url("{url}/c.css") screen;'])
def test_import_rules_are_never_fetched(css_server, rule):
    url, hits = css_server
    html = (f"<html><head><style>{rule.format(url=url)} p {{ font-weight: bold }}</style>"
            f'<link rel="stylesheet" href="{url}/d.css"></head><body><p>Bonjour</p></body></html>')
    out = inline_css(html)
    assert hits == []
    assert "color:red" not in out.replace(" ", "")  # nothing from the server was inlined
    assert "font-weight:bold" in out.replace(" ", "")  # the local rule still was
