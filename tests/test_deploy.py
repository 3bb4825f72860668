"""deploy/: the systemd units pass `systemd-analyze verify`, the nginx site passes `nginx -t`,
the environment file is a valid production configuration (tests/test_settings.py checks it documents
every setting), and `flask dns records` prints a DKIM record
that really verifies our signatures (dkimpy reads it as a resolver would)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from app.message.dkim import DKIMSigner
from tests.conftest import app_environ
from tools import deploy_local

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
SERVICES = (
    "lettrine-web.service",
    "lettrine-worker@.service",
    "lettrine-scheduler.service",
    "lettrine-bounces.service",
)
HARDENING = (
    "NoNewPrivileges=yes",
    "ProtectSystem=strict",
    "ReadWritePaths=/var/lib/lettrine",
    "ProtectHome=yes",
    "PrivateTmp=yes",
    "CapabilityBoundingSet=",
    "User=lettrine",
)


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze missing: bash .ci/system-packages.sh")
def test_units_pass_systemd_analyze_verify(tmp_path):
    env = tmp_path / "lettrine.env"
    env.write_text((DEPLOY / "lettrine.env").read_text())
    deploy_local.render_units(tmp_path / "units", env)
    result = deploy_local.verify_units(tmp_path / "units")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "" and result.stderr.strip() == "", result.stdout + result.stderr


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze missing")
def test_verify_catches_a_broken_unit(tmp_path):
    """The check above can fail: a typo in a directive and a missing program are reported."""
    env = tmp_path / "lettrine.env"
    env.write_text("")
    units = tmp_path / "units"
    deploy_local.render_units(units, env)
    web = units / "lettrine-web.service"
    web.write_text(
        web.read_text()
        .replace("ProtectSystem=strict", "ProtectSytem=strict")
        .replace(".venv/bin/gunicorn", ".venv/bin/no-such-gunicorn")
    )
    result = deploy_local.verify_units(units)
    assert result.returncode != 0
    assert "ProtectSytem" in result.stderr and "no-such-gunicorn" in result.stderr


@pytest.mark.parametrize("name", SERVICES)
def test_services_are_hardened(name):
    text = (DEPLOY / "systemd" / name).read_text()
    for directive in HARDENING:
        assert re.search(rf"^{re.escape(directive)}\s*$", text, re.M), f"{name}: {directive} missing"
    assert "EnvironmentFile=/etc/lettrine/lettrine.env" in text


def test_worker_and_web_stop_gracefully():
    """SIGTERM to the main process only (it finishes the exchange in hand), long enough to do it."""
    worker = (DEPLOY / "systemd" / "lettrine-worker@.service").read_text()
    assert "KillMode=mixed" in worker and "KillSignal=SIGTERM" in worker
    assert int(re.search(r"TimeoutStopSec=(\d+)", worker).group(1)) >= 60
    assert "PROMETHEUS_MULTIPROC_DIR=/run/lettrine/metrics" in worker
    web = (DEPLOY / "systemd" / "lettrine-web.service").read_text()
    assert "--config /opt/lettrine/deploy/gunicorn.conf.py" in web


def test_environment_template_is_a_valid_production_configuration(tmp_path):
    """Its uncommented lines alone make a configuration production accepts."""
    from config import load_settings

    env = {}
    for line in (DEPLOY / "lettrine.env").read_text().splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key] = value
    env["SECRET_KEYS"] = "x" * 40
    env["LETTRINE_INSTANCE_DIR"] = str(tmp_path)
    settings = load_settings(env)
    assert settings.env == "production" and settings.trusted_proxies == 1
    assert settings.base_url.startswith("https://")


@pytest.mark.skipif(not Path(deploy_local.NGINX).exists(), reason="nginx missing: bash .ci/system-packages.sh")
def test_nginx_site_passes_nginx_t(tmp_path):
    cert, key = deploy_local.self_signed_certificate(tmp_path)
    layout = deploy_local.render_nginx(
        tmp_path / "nginx", https_port=18443, http_port=18080, upstream="127.0.0.1:18000", cert=cert, key=key
    )
    result = deploy_local.nginx_test(layout)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr and "test is successful" in result.stderr
    # nothing left running: -t never starts a server
    assert not (layout.prefix / "nginx.pid").exists() or not (layout.prefix / "nginx.pid").read_text().strip()


@pytest.mark.skipif(not Path(deploy_local.NGINX).exists(), reason="nginx missing")
def test_nginx_t_catches_a_broken_site(tmp_path):
    cert, key = deploy_local.self_signed_certificate(tmp_path)
    layout = deploy_local.render_nginx(
        tmp_path / "nginx", https_port=18443, http_port=18080, upstream="127.0.0.1:18000", cert=cert, key=key
    )
    site = layout.prefix / "lettrine.conf"
    site.write_text(site.read_text().replace("client_max_body_size 1m;", "client_max_body_size 1m"))
    assert deploy_local.nginx_test(layout).returncode != 0


def test_nginx_site_limits_bodies_per_location():
    site = (DEPLOY / "nginx" / "lettrine.conf").read_text()
    server = site.split("listen 443", 1)[1]
    assert re.search(r"^    client_max_body_size 1m;", server, re.M)  # the server-wide default
    imports = re.search(r"location = /admin/imports \{(.*?)\n    \}", server, re.S).group(1)
    assert "client_max_body_size 200m;" in imports
    assert server.count("client_max_body_size") == 6  # nowhere else larger
    api_import = re.search(r"location = /api/v1/imports \{(.*?)\n    \}", server, re.S).group(1)
    # The bearer token is asked about first (its headers only), like the admin's session.
    assert "client_max_body_size 200m;" in api_import and "auth_request /_lettrine_api_import_allowed;" in api_import
    api_check = re.search(r"location = /_lettrine_api_import_allowed \{(.*?)\n    \}", server, re.S).group(1)
    assert "proxy_pass_request_body off;" in api_check and "/api/v1/imports/allowed" in api_check
    check = re.search(r"location = /_lettrine_upload_allowed \{(.*?)\n    \}", server, re.S).group(1)
    assert "client_max_body_size 200m;" in check and "proxy_pass_request_body off;" in check  # asks, reads no body
    static = re.search(r"location /static/ \{(.*?)\n    \}", server, re.S).group(1)
    assert "alias /opt/lettrine/app/static/;" in static
    proxy = (DEPLOY / "nginx" / "lettrine-proxy.conf").read_text()
    for header in (
        "X-Forwarded-For $proxy_add_x_forwarded_for",
        "X-Forwarded-Proto $scheme",
        "X-Request-ID $request_id",
    ):
        assert header in proxy
    assert "X-Forwarded-Host" not in proxy.replace("X-Forwarded-Host is never believed", "")


def _nginx_body_limit(server: str, path: str) -> int:
    """The client_max_body_size nginx applies to ``path`` in this server block (exact location, else the
    first regex that matches, else the longest prefix; the server's own default when the block sets none)."""
    blocks = re.findall(r"^    location (=|~|\^~)? ?(\S+) \{(.*?)\n    \}", server, re.S | re.M)
    exact = [body for kind, where, body in blocks if kind == "=" and where == path]
    regex = [body for kind, where, body in blocks if kind == "~" and re.search(where, path)]
    prefix = sorted(
        ((len(where), body) for kind, where, body in blocks if not kind and path.startswith(where)), reverse=True
    )
    body = (exact or regex or [b for _n, b in prefix] or [""])[0]
    found = re.search(r"client_max_body_size (\d+)([km]?);", body) or re.search(
        r"^    client_max_body_size (\d+)([km]?);", server, re.M
    )
    return int(found.group(1)) * {"": 1, "k": 1024, "m": 1024 * 1024}[found.group(2)]


def test_nginx_lets_through_every_upload_the_app_accepts(app):
    """Each route whose body limit the app raises (app/web/auth_first.py, for a logged-in user) gets at least
    that much from nginx, asked with auth_request first; the media uploads were left at nginx's 1 MB."""
    from flask import url_for

    from app.web.auth_first import LARGE_UPLOADS

    server = (DEPLOY / "nginx" / "lettrine.conf").read_text().split("listen 443", 1)[1]
    with app.test_request_context():
        for endpoint, setting in LARGE_UPLOADS.items():
            args = {name: 1 for name in app.url_map._rules_by_endpoint[endpoint][0].arguments}
            path = url_for(endpoint, **args)
            assert _nginx_body_limit(server, path) >= app.config[setting], (endpoint, path)
    assert _nginx_body_limit(server, "/admin/campaigns/1") == 1024 * 1024  # every other page keeps 1 MB
    media = re.search(r"location ~ \^/admin/\(media.*?\{(.*?)\n    \}", server, re.S).group(1)
    assert "auth_request /_lettrine_upload_allowed;" in media


# -- flask dns records --------------------------------------------------------------------


def _dns(tmp_path, **extra: str) -> subprocess.CompletedProcess:
    flask = str(Path(sys.executable).with_name("flask"))
    env = app_environ(f"sqlite:///{tmp_path / 'dns.db'}", **extra)
    env["PATH"] = "/usr/bin:/bin"
    return subprocess.run(
        [flask, "--app", "wsgi", "dns", "records", "--ip", "203.0.113.10"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _txt(output: str, name: str) -> str:
    line = next(l for l in output.splitlines() if l.startswith(name + " IN TXT "))
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', line))


@pytest.mark.parametrize("kind", ["rsa", "ed25519"])
def test_dns_records_dkim_record_verifies_our_signature(tmp_path, kind):
    key = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if kind == "rsa"
        else ed25519.Ed25519PrivateKey.generate()
    )
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    (tmp_path / "dkim.pem").write_bytes(pem)
    result = _dns(
        tmp_path,
        DKIM_DOMAIN="crpve91.fr",
        DKIM_SELECTOR="lettrine",
        DKIM_PRIVATE_KEY_FILE=str(tmp_path / "dkim.pem"),
        BOUNCE_DOMAIN="rebonds.crpve91.fr",
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for line in out.splitlines():
        if " IN TXT " in line:
            assert all(len(s) <= 255 for s in re.findall(r'"([^"]*)"', line))  # RFC 1035 character-strings
    assert _txt(out, "crpve91.fr.") == "v=spf1 mx ip4:203.0.113.10 ~all"
    assert _txt(out, "rebonds.crpve91.fr.") == "v=spf1 mx ip4:203.0.113.10 ~all"
    assert _txt(out, "_dmarc.crpve91.fr.").startswith("v=DMARC1; p=none; rua=mailto:dmarc@crpve91.fr")
    record = _txt(out, "lettrine._domainkey.crpve91.fr.").encode()
    signer = DKIMSigner.from_pem("crpve91.fr", "lettrine", pem)
    raw = (
        b"From: CRPVE <formations@crpve91.fr>\r\nTo: a@example.org\r\nSubject: Essai\r\n"
        b"Date: Mon, 01 Dec 2025 10:00:00 +0100\r\nMessage-ID: <1@crpve91.fr>\r\n\r\nBonjour\r\n"
    )
    signed = signer.sign(raw)
    lookup = {b"lettrine._domainkey.crpve91.fr.": record}
    assert dkim.verify(signed, dnsfunc=lambda name, timeout=5: lookup.get(name))
    other = DKIMSigner.from_pem(
        "crpve91.fr",
        "lettrine",
        ed25519.Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )
    assert not dkim.verify(other.sign(raw), dnsfunc=lambda name, timeout=5: lookup.get(name))


def test_dns_records_without_dkim_says_so(tmp_path):
    result = _dns(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "DKIM non configuré" in result.stdout
    assert _txt(result.stdout, "crpve91.fr.").startswith("v=spf1")  # the domain of MAIL_FROM
    assert "_domainkey" not in result.stdout
