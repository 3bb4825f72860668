"""Where the media library's files live: ``instance/media/`` or an S3-compatible bucket.

The choice is made by the settings (``MEDIA_S3_*`` in config.py), never by the caller, so
the rest of the app only ever says "put these bytes under this name" and "open this name".
Image URLs stay the app's own ``/media/<name>`` whatever the storage: changing storage never
breaks a newsletter already sent, and the one-year cache headers remain ours. Names are
content-addressed (a hash of the upload), so a stored object is never rewritten.
"""
from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from flask import current_app

from config import MediaS3

from app.errors import LettrineError

log = logging.getLogger(__name__)

CACHE_CONTROL = "public, max-age=31536000, immutable"
CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}
CHUNK = 64 * 1024


class StorageError(LettrineError, RuntimeError):
    """The storage cannot be reached or refuses us (bad keys, missing bucket, TLS failure…)."""

    status = 503
    code = "media_storage"
    en = "The media storage cannot be reached or refuses the request."


class NotStored(LookupError):
    """No object by that name."""


class NotModified(Exception):
    """The client's copy (If-None-Match) is current."""


def content_type(name: str) -> str:
    return CONTENT_TYPES.get(name.rsplit(".", 1)[-1], "application/octet-stream")


@dataclass
class StoredObject:
    """An open object: its bytes come in chunks, and ``close`` frees the connection."""

    chunks: Iterator[bytes]
    length: int | None
    content_type: str
    etag: str
    close: Callable[[], None]


class LocalStorage:
    """Today's behaviour: files under ``<instance>/media/`` (included in backups)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def put(self, name: str, data: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        # Written aside then renamed: a reader never sees half an image under its final name.
        handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.chmod(temporary, 0o644)  # as before: readable by a front server that may serve /media/ itself
            os.replace(temporary, self.folder / name)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def path(self, name: str) -> Path:
        return self.folder / name


class S3Storage:
    """A bucket reached with boto3; TLS verified unless config.py accepted plain http (loopback / explicit)."""

    def __init__(self, settings: MediaS3) -> None:
        self.settings = settings
        self.bucket = settings.bucket
        self.client = boto3.session.Session().client(
            "s3",
            endpoint_url=settings.endpoint_url or None,
            region_name=settings.region,
            aws_access_key_id=settings.access_key_id,
            aws_secret_access_key=settings.secret_access_key,
            verify=settings.ca_file or True,
            config=Config(
                signature_version="s3v4",
                # MinIO, Garage and most self-hosted servers want bucket names in the path.
                s3={"addressing_style": "path" if settings.endpoint_url else "auto"},
                connect_timeout=5, read_timeout=20, retries={"max_attempts": 2, "mode": "standard"},
                # The newer default CRC checksums are refused by several S3-compatible servers.
                request_checksum_calculation="when_required", response_checksum_validation="when_required",
            ),
        )

    def key(self, name: str) -> str:
        return self.settings.prefix + name

    def put(self, name: str, data: bytes) -> None:
        try:
            self.client.put_object(Bucket=self.bucket, Key=self.key(name), Body=data,
                                   ContentType=content_type(name), CacheControl=CACHE_CONTROL)
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(_describe(exc)) from exc

    def exists(self, name: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(name))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return False
            raise StorageError(_describe(exc)) from exc
        except BotoCoreError as exc:
            raise StorageError(_describe(exc)) from exc
        return True

    def open(self, name: str, if_none_match: str = "") -> StoredObject:
        """Start reading an object; raises NotStored, NotModified or StorageError."""
        options = {"IfNoneMatch": if_none_match} if if_none_match else {}
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.key(name), **options)
        except ClientError as exc:
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            code = exc.response.get("Error", {}).get("Code", "")
            if status == 304 or code == "304":
                raise NotModified from exc
            if code in {"NoSuchKey", "404"}:
                raise NotStored(name) from exc
            raise StorageError(_describe(exc)) from exc
        except BotoCoreError as exc:
            raise StorageError(_describe(exc)) from exc
        body = answer["Body"]
        return StoredObject(chunks=body.iter_chunks(CHUNK), length=answer.get("ContentLength"),
                            content_type=content_type(name), etag=answer.get("ETag", ""), close=body.close)


Storage = LocalStorage | S3Storage


def _describe(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code', '?')}: {error.get('Message', '')}".strip()
    return str(exc)


def local_folder() -> Path:
    return Path(current_app.instance_path) / "media"


def current() -> Storage:
    """The storage the settings name; the S3 client is built once per app (it is thread-safe)."""
    settings: MediaS3 | None = current_app.config.get("MEDIA_S3")
    if settings is None:
        return LocalStorage(local_folder())
    cached = current_app.extensions.get("media_s3_storage")
    if cached is None or cached.settings != settings:
        cached = S3Storage(settings)
        current_app.extensions["media_s3_storage"] = cached
        log.info("media library in bucket %s (%s)", settings.bucket, settings.endpoint_url or "AWS")
    return cached
