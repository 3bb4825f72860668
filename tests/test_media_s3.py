"""The media library in an S3-compatible bucket, against a real S3 HTTP server on loopback.

moto's ThreadedMotoServer answers the S3 protocol over HTTP on 127.0.0.1; the app reaches it
through MEDIA_S3_ENDPOINT_URL exactly as it would reach MinIO or Scaleway, and the test reads
the bucket back with its own boto3 client. Nothing here mocks a client.
"""
from __future__ import annotations

import datetime
import hashlib
import io
import ipaddress
import socket
import ssl
import threading
import uuid
from pathlib import Path

import boto3
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.server import ThreadedMotoServer
from PIL import Image
from werkzeug.serving import make_server
from sqlalchemy import select

from app.extensions import db
from app.models import Campaign, CampaignTemplate, MailingList, MediaFile
from app.services.campaigns.blocks import empty_block
from config import ConfigError, load_settings
from tests.conftest import app_environ

KEYS = {"MEDIA_S3_ACCESS_KEY_ID": "lettrine-test", "MEDIA_S3_SECRET_ACCESS_KEY": "lettrine-test-secret"}


@pytest.fixture(scope="module")
def s3_server():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_server):
    """A fresh bucket, and a client of the test's own to look inside it."""
    name = f"media-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=s3_server, region_name="eu-west-3",
                          aws_access_key_id=KEYS["MEDIA_S3_ACCESS_KEY_ID"],
                          aws_secret_access_key=KEYS["MEDIA_S3_SECRET_ACCESS_KEY"])
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"})
    return name, client


def _use_bucket(app, endpoint: str, bucket_name: str, **extra: str) -> None:
    """Configure the app from environment variables, as production does."""
    environ = app_environ(app.config["SQLALCHEMY_DATABASE_URI"], MEDIA_S3_BUCKET=bucket_name,
                          MEDIA_S3_ENDPOINT_URL=endpoint, MEDIA_S3_REGION="eu-west-3", **KEYS, **extra)
    app.config["MEDIA_S3"] = load_settings(environ).media_s3


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _jpeg(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 60)).save(out, "JPEG")
    return out.getvalue()


def _newsletter() -> Campaign:
    campaign = Campaign(slug="lettre", name="Lettre de mai", subject="Les nouvelles",
                        template=CampaignTemplate.NEWSLETTER, lists=[MailingList(slug="formations", name="Formations")],
                        reply_to="contact@crpve91.fr", content={"blocks": [dict(empty_block("title"), text="Bonjour")]})
    db.session.add(campaign)
    db.session.commit()
    return campaign


def test_upload_goes_to_the_bucket_in_both_widths_and_is_served_by_the_app(admin_client, app, s3_server, bucket):
    bucket_name, client = bucket
    _use_bucket(app, s3_server, bucket_name, MEDIA_S3_PREFIX="/lettrine/media/")
    campaign = _newsletter()
    response = admin_client.post(f"/admin/campaigns/{campaign.id}/media", data={
        "image": (io.BytesIO(_jpeg(2000, 1000)), "affiche.jpg"), "alt": "Affiche du cycle 2027"})
    assert response.status_code == 303
    row = db.session.scalar(select(MediaFile))
    names = {f"{row.key}-600.jpg", f"{row.key}-1200.jpg"}
    listed = client.list_objects_v2(Bucket=bucket_name)["Contents"]
    assert {item["Key"] for item in listed} == {f"lettrine/media/{name}" for name in names}
    for name in names:
        head = client.head_object(Bucket=bucket_name, Key=f"lettrine/media/{name}")
        assert head["ContentType"] == "image/jpeg"
        assert head["CacheControl"] == "public, max-age=31536000, immutable"
        assert not (Path(app.instance_path) / "media" / name).exists()  # nothing written locally
    db.session.refresh(campaign)
    assert campaign.content["blocks"][-1]["src"] == f"https://lettrine.test/media/{row.key}-1200.jpg"
    for width in (600, 1200):
        served = admin_client.get(f"/media/{row.key}-{width}.jpg")
        stored = client.get_object(Bucket=bucket_name, Key=f"lettrine/media/{row.key}-{width}.jpg")
        assert served.status_code == 200 and served.data == stored["Body"].read()
        assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert served.headers["Content-Type"] == "image/jpeg"
        assert served.headers["ETag"] == stored["ETag"]
        assert Image.open(io.BytesIO(served.data)).size == (width, width // 2)
    etag = admin_client.get(f"/media/{row.key}-600.jpg").headers["ETag"]
    again = admin_client.get(f"/media/{row.key}-600.jpg", headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.data
    assert admin_client.get(f"/media/{'0' * 32}-600.jpg").status_code == 404
    # The same bytes again: one entry, nothing re-sent.
    admin_client.post("/admin/media", data={"image": (io.BytesIO(_jpeg(2000, 1000)), "bis.jpg"), "alt": "Bis"})
    assert len(db.session.scalars(select(MediaFile)).all()) == 1


def test_unreachable_bucket_refuses_the_upload_in_french_and_keeps_nothing(admin_client, app, s3_server, bucket):
    bucket_name, client = bucket
    _use_bucket(app, f"http://127.0.0.1:{_free_port()}", bucket_name)
    campaign = _newsletter()
    page = admin_client.post(f"/admin/campaigns/{campaign.id}/media", data={
        "image": (io.BytesIO(_jpeg(800, 400)), "affiche.jpg"), "alt": "Affiche"}, follow_redirects=True)
    assert page.status_code == 200
    assert "Le stockage des images (compartiment S3) est injoignable ou mal configuré" in page.get_data(as_text=True)
    assert db.session.scalar(select(MediaFile)) is None
    db.session.refresh(campaign)
    assert [block["type"] for block in campaign.content["blocks"]] == ["title"]
    assert "Contents" not in client.list_objects_v2(Bucket=bucket_name)
    key = hashlib.sha256(_jpeg(800, 400)).hexdigest()[:32]
    assert not any((Path(app.instance_path) / "media" / f"{key}-{width}.jpg").exists() for width in (600, 1200))
    down = admin_client.get(f"/media/{'a' * 32}-600.jpg")
    assert down.status_code == 503 and down.headers["Retry-After"] == "60"
    assert "immutable" not in down.headers.get("Cache-Control", "")


def test_missing_bucket_gives_the_same_clear_error_and_503_not_404(admin_client, app, s3_server, bucket):
    _, _client = bucket
    _use_bucket(app, s3_server, f"absent-{uuid.uuid4().hex[:8]}")
    page = admin_client.post("/admin/media", data={"image": (io.BytesIO(_jpeg(300, 200)), "x.jpg"), "alt": "X"},
                             follow_redirects=True)
    assert "injoignable ou mal configuré" in page.get_data(as_text=True)
    assert db.session.scalar(select(MediaFile)) is None
    assert admin_client.get(f"/media/{'b' * 32}-600.jpg").status_code == 503  # NoSuchBucket is not "no such image"


def _settings(**extra: str):
    return load_settings(app_environ("sqlite://", MEDIA_S3_BUCKET="lettre", **KEYS, **extra)).media_s3


def test_s3_settings_are_checked_at_start_up():
    assert load_settings(app_environ("sqlite://")).media_s3 is None  # no bucket: instance/media/
    assert load_settings(app_environ("sqlite://", MEDIA_S3_ALLOW_HTTP="0")).media_s3 is None
    plain = _settings(MEDIA_S3_ENDPOINT_URL="https://s3.fr-par.scw.cloud/", MEDIA_S3_PREFIX="/lettrine/")
    assert (plain.endpoint_url, plain.prefix, plain.region) == ("https://s3.fr-par.scw.cloud", "lettrine/", "us-east-1")
    assert "lettrine-test-secret" not in repr(plain)  # secrets stay out of logs
    assert _settings(MEDIA_S3_ENDPOINT_URL="http://127.0.0.1:9000").endpoint_url == "http://127.0.0.1:9000"
    assert _settings(MEDIA_S3_ENDPOINT_URL="http://minio.lan:9000", MEDIA_S3_ALLOW_HTTP="1") is not None
    refused = {
        "must use https": {"MEDIA_S3_ENDPOINT_URL": "http://minio.lan:9000"},
        "must be an https:// URL": {"MEDIA_S3_ENDPOINT_URL": "s3.example.org"},
        "MEDIA_S3_CA_FILE": {"MEDIA_S3_CA_FILE": "/nowhere/ca.pem"},
    }
    for message, extra in refused.items():
        with pytest.raises(ConfigError, match=message):
            _settings(**extra)
    with pytest.raises(ConfigError, match="needs MEDIA_S3_ACCESS_KEY_ID and MEDIA_S3_SECRET_ACCESS_KEY"):
        load_settings(app_environ("sqlite://", MEDIA_S3_BUCKET="lettre", MEDIA_S3_ACCESS_KEY_ID="x"))
    with pytest.raises(ConfigError, match="MEDIA_S3_ENDPOINT_URL set without MEDIA_S3_BUCKET"):
        load_settings(app_environ("sqlite://", MEDIA_S3_ENDPOINT_URL="https://s3.example.org"))


def test_media_push_copies_the_local_library_into_the_bucket_and_urls_keep_working(app, cli_runner, s3_server, bucket):
    from app.services.support import media

    bucket_name, client = bucket
    refused = cli_runner.invoke(args=["media", "push"])
    assert refused.exit_code == 1 and "MEDIA_S3_BUCKET" in refused.output
    row = media.store(_jpeg(1500, 300), "bandeau.jpg", "Bandeau", actor="t")  # before the bucket: local files
    local = Path(app.instance_path) / "media" / f"{row.key}-600.jpg"
    assert local.is_file()
    _use_bucket(app, s3_server, bucket_name)
    client_app = app.test_client()
    assert client_app.get(f"/media/{row.key}-600.jpg").status_code == 404  # not in the bucket yet
    # doc-command: flask --app wsgi media push
    result = cli_runner.invoke(args=["media", "push"])
    assert result.exit_code == 0, result.output
    assert "2 fichier(s) copié(s), 0 déjà" in result.output
    keys = {item["Key"] for item in client.list_objects_v2(Bucket=bucket_name)["Contents"]}
    assert keys == {f"{row.key}-600.jpg", f"{row.key}-1200.jpg"}
    served = client_app.get(f"/media/{row.key}-600.jpg")
    assert served.status_code == 200 and served.data == local.read_bytes()
    assert "0 fichier(s) copié(s), 2 déjà" in cli_runner.invoke(args=["media", "push"]).output
    other = media.store(_jpeg(700, 300), "autre.jpg", "Autre", actor="t")  # straight into the bucket
    client.delete_object(Bucket=bucket_name, Key=f"{other.key}-600.jpg")
    lost = cli_runner.invoke(args=["media", "push"])
    assert lost.exit_code == 1 and f"{other.key}-600.jpg" in lost.output


def _authority(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (a private authority, as a self-hosted MinIO would have)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Lettrine test S3")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "s3-ca.pem", folder / "s3-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def test_https_endpoint_is_verified_and_a_private_authority_is_trusted_only_when_named(admin_client, app, tmp_path):
    cert_file, key_file = _authority(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server = make_server("127.0.0.1", 0, DomainDispatcherApplication(create_backend_app), threaded=True,
                         ssl_context=context)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    endpoint = f"https://127.0.0.1:{server.server_port}"
    try:
        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", verify=str(cert_file),
                     **{"aws_access_key_id": "k", "aws_secret_access_key": "s"}).create_bucket(Bucket="tls-media")
        _use_bucket(app, endpoint, "tls-media")  # the system's authorities: this certificate is refused
        refused = admin_client.post("/admin/media", data={"image": (io.BytesIO(_jpeg(320, 200)), "x.jpg"), "alt": "X"},
                                    follow_redirects=True)
        assert "injoignable ou mal configuré" in refused.get_data(as_text=True)
        assert db.session.scalar(select(MediaFile)) is None
        _use_bucket(app, endpoint, "tls-media", MEDIA_S3_CA_FILE=str(cert_file))
        admin_client.post("/admin/media", data={"image": (io.BytesIO(_jpeg(320, 200)), "x.jpg"), "alt": "X"})
        row = db.session.scalar(select(MediaFile))
        assert row is not None
        served = admin_client.get(f"/media/{row.key}-600.jpg")
        assert served.status_code == 200 and Image.open(io.BytesIO(served.data)).size == (320, 200)
    finally:
        server.shutdown()
        thread.join(timeout=5)
