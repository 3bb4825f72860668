"""``flask dns check`` and the admin's domain page against a real DNS server on loopback (dnslib).

A good zone passes; a broken one has each wrong record named in one French line.
"""
from __future__ import annotations

import subprocess

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from app.message.dkim import DKIMSigner
from tests.conftest import make_app
from tests.dns_server import DNSTestServer, Zone
from tests.sending_fixtures import ROOT, worker_command, worker_env

DOMAIN = "crpve-test.fr"
RELAY = "relay.crpve-test.fr"


def _key(path) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    return DKIMSigner.from_file(DOMAIN, "sel1", path).public_dns_record()


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dkim")
    configured, other = folder / "configured.pem", folder / "other.pem"
    return {"path": str(configured), "record": _key(configured), "other": _key(other)}


def good_zone(keys) -> Zone:
    return (Zone()
            .add(DOMAIN, "MX", f"10 mx.{DOMAIN}")
            .add(f"mx.{DOMAIN}", "A", "192.0.2.25")
            .add(RELAY, "A", "192.0.2.10")
            .add(RELAY, "AAAA", "2001:db8::10")
            .add(DOMAIN, "TXT", "google-site-verification=abc123")
            .add(DOMAIN, "TXT", f"v=spf1 mx include:_spf.{DOMAIN} ~all")
            .add(f"_spf.{DOMAIN}", "TXT", "v=spf1 ip4:192.0.2.0/28 -all")
            .add(f"sel1._domainkey.{DOMAIN}", "TXT", keys["record"])
            .add(f"_dmarc.{DOMAIN}", "TXT", f"v=DMARC1; p=quarantine; rua=mailto:dmarc@{DOMAIN}"))


def broken_zone(keys) -> Zone:
    return (Zone()
            .add(f"www.{DOMAIN}", "A", "192.0.2.80")  # the domain exists, but receives no mail
            .add(RELAY, "A", "192.0.2.10")
            .add(DOMAIN, "TXT", "v=spf1 ip4:198.51.100.7 -all")  # not the relay
            .add(f"sel1._domainkey.{DOMAIN}", "TXT", keys["other"])  # another key
            .add(f"_dmarc.{DOMAIN}", "TXT", "v=DMARC1; p=none"))  # no rua


@pytest.fixture
def dns_server(request, keys):
    server = DNSTestServer(request.param(keys)).start()
    try:
        yield server
    finally:
        server.stop()


def environ(keys, server: DNSTestServer) -> dict[str, str]:
    return {"MAIL_FROM": f"CRPVE <formations@{DOMAIN}>", "DKIM_DOMAIN": DOMAIN, "DKIM_SELECTOR": "sel1",
            "DKIM_PRIVATE_KEY_FILE": keys["path"], "DNS_NAMESERVERS": server.address}


def run_check(database_url: str, keys, server: DNSTestServer) -> subprocess.CompletedProcess:
    flask = worker_command()[0]
    return subprocess.run([flask, "--app", "wsgi", "dns", "check"], cwd=ROOT, capture_output=True, text=True,
                          env=worker_env(database_url, f"smtp://{RELAY}:25", **environ(keys, server)), timeout=120)


@pytest.mark.parametrize("dns_server", [good_zone], indirect=True)
def test_the_good_zone_passes(migrated, keys, dns_server):
    result = run_check(migrated, keys, dns_server)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    assert [line.split(" : ")[0] for line in lines] == ["OK MX", "OK SPF", "OK DKIM", "OK DMARC"], lines
    assert f"{DOMAIN} autorise le relais {RELAY}" in result.stdout


@pytest.mark.parametrize("dns_server", [broken_zone], indirect=True)
def test_each_broken_record_is_named_in_one_french_line(migrated, keys, dns_server):
    result = run_check(migrated, keys, dns_server)
    assert result.returncode == 1
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 4, lines
    mx, spf, dkim, dmarc = lines
    assert mx.startswith("ERREUR MX : aucun serveur de messagerie (MX) pour crpve-test.fr")
    assert spf.startswith(f"ERREUR SPF : l'enregistrement de {DOMAIN} n'autorise pas le relais {RELAY} (192.0.2.10)")
    assert dkim.startswith(f"ERREUR DKIM : la clé publiée sous sel1._domainkey.{DOMAIN} ne correspond pas")
    assert dmarc.startswith(f"ATTENTION DMARC : p=none sans rua= sous _dmarc.{DOMAIN}")


def _zone_without_dmarc_and_two_spf(keys) -> Zone:
    zone = good_zone(keys)
    zone.records = [r for r in zone.records if not r[0].startswith("_dmarc")]
    return zone.add(DOMAIN, "TXT", "v=spf1 ip4:192.0.2.10 -all")


@pytest.mark.parametrize("dns_server", [_zone_without_dmarc_and_two_spf], indirect=True)
def test_no_dmarc_and_two_spf_records_on_the_admin_page(migrated, keys, dns_server):
    app = make_app(migrated, {"SMTP_URL": f"smtp://{RELAY}:25"}, **environ(keys, dns_server))
    from app.services.deliverability import check_domain

    with app.app_context():
        findings = {f.record: f for f in check_domain(app.config)}
    assert findings["MX"].ok and findings["DKIM"].ok
    assert findings["SPF"].level == "error" and "2 enregistrements SPF" in findings["SPF"].message
    assert findings["DMARC"].level == "error" and "aucun enregistrement DMARC" in findings["DMARC"].message

    from app.extensions import db
    from app.models import Role, User

    with app.app_context():
        admin = User(email="admin@crpve91.fr", name="Admin", role=Role.ADMIN)
        admin.set_password("correct horse battery staple")
        db.session.add(admin)
        db.session.commit()
        try:
            client = app.test_client()
            client.post("/admin/login", data={"email": "admin@crpve91.fr", "password": "correct horse battery staple"})
            page = client.get("/admin/settings/dns").get_data(as_text=True).replace("\u202f", " ")
            assert "2 enregistrements SPF pour crpve-test.fr" in page and "à corriger" in page
            assert "aucun enregistrement DMARC sous _dmarc.crpve-test.fr" in page
            assert "la clé publiée sous sel1._domainkey.crpve-test.fr correspond" in page
            assert client.get("/admin/settings").get_data(as_text=True).count("/admin/settings/dns") == 1
        finally:
            db.session.delete(admin)
            db.session.commit()


def test_a_silent_name_server_is_one_clear_line(migrated, keys):
    from tests.smtp_server import free_port

    env = worker_env(migrated, f"smtp://{RELAY}:25", MAIL_FROM=f"CRPVE <formations@{DOMAIN}>",
                     DNS_NAMESERVERS=f"127.0.0.1:{free_port()}")
    result = subprocess.run([worker_command()[0], "--app", "wsgi", "dns", "check"], cwd=ROOT, capture_output=True,
                            text=True, env=env, timeout=120)
    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1 and "Vérification DNS impossible" in result.stderr
