"""DKIM signing (RFC 6376, relaxed/relaxed), fast: the `cryptography` package does the maths.

dkimpy is correct but signs RSA in pure Python (about 7.7 ms a message here);
`cryptography` does RSA-2048 in about 0.45 ms and Ed25519 (RFC 8463) in 0.05 ms.
This module canonicalises exactly as RFC 6376 §3.4.2 and §3.4.4 say; the tests
verify every signature with dkimpy, so the two implementations keep each other
honest.

The body hash is computed per message: bodies differ per recipient (the
unsubscribe and web-view URLs), so there is nothing to share.
"""
from __future__ import annotations

import base64
import hashlib
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from app.errors import LettrineError

# The headers a signature covers, when present (RFC 8058 §4 requires the List-Unsubscribe pair).
SIGNED_HEADERS = (
    "from", "to", "subject", "date", "message-id", "list-unsubscribe", "list-unsubscribe-post",
    "mime-version", "content-type", "list-id", "reply-to", "cc",
)
# Signed once more than they occur, so nobody can add a second one without breaking the signature.
OVERSIGNED = ("from", "subject")

_WSP_RUN = re.compile(rb"[ \t]{2,}|\t")  # single spaces stay as they are
_FOLD = re.compile(rb"\r\n(?=[ \t])")


class DKIMError(LettrineError, ValueError):
    """The key cannot be used (wrong type, size or format)."""

    status = 400
    code = "dkim_key"
    en = "The DKIM key cannot be used."


def relaxed_body(body: bytes) -> bytes:
    """RFC 6376 §3.4.4: trailing WSP removed, WSP runs to one space, trailing empty lines dropped.

    Done with ``bytes.replace`` (C speed) rather than regexes: a regex over a 40 KB French
    body, with a space every few bytes, costs milliseconds; these replaces cost microseconds.
    Tabs become spaces, runs of spaces collapse (log n passes for a run of n), and then at
    most one space is left before each CRLF.
    """
    if body and not body.endswith(b"\r\n"):
        body += b"\r\n"  # SMTP transmits it so (dot_stuff adds it): sign what the receiver sees
    if b"\t" in body:
        body = body.replace(b"\t", b" ")
    while b"  " in body:
        body = body.replace(b"  ", b" ")
    if b" \r\n" in body:
        body = body.replace(b" \r\n", b"\r\n")
    body = body.rstrip(b"\r\n")
    if body.endswith(b" "):
        body = body[:-1]
    return body + b"\r\n" if body else b""


def relaxed_header(name: bytes, value: bytes) -> bytes:
    """RFC 6376 §3.4.2: lower-case name, unfolded value, WSP runs to one space, trimmed."""
    value = _FOLD.sub(b"", value)
    value = _WSP_RUN.sub(b" ", value).strip(b" \t\r\n")
    return name.strip().lower() + b":" + value + b"\r\n"


def split_headers(head: bytes) -> list[tuple[bytes, bytes]]:
    """``[(name, raw value incl. folding)]`` in message order, from the header block."""
    fields: list[tuple[bytes, bytes]] = []
    for line in head.split(b"\r\n"):
        if not line:
            continue
        if line[0] in (32, 9) and fields:  # continuation
            name, value = fields[-1]
            fields[-1] = (name, value + b"\r\n" + line)
        else:
            name, _, value = line.partition(b":")
            fields.append((name, value))
    return fields


@dataclass
class DKIMSigner:
    """Signs message bytes for one domain and selector with an RSA or Ed25519 key."""

    domain: str
    selector: str
    private_key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey

    @classmethod
    def from_pem(cls, domain: str, selector: str, pem: bytes) -> "DKIMSigner":
        key = serialization.load_pem_private_key(pem, password=None)
        if isinstance(key, rsa.RSAPrivateKey):
            if key.key_size < 1024:
                raise DKIMError("clé RSA trop courte pour DKIM (2048 bits recommandés)")
        elif not isinstance(key, ed25519.Ed25519PrivateKey):
            raise DKIMError("clé DKIM : RSA ou Ed25519 attendue")
        return cls(domain, selector, key)

    @classmethod
    def from_file(cls, domain: str, selector: str, path: str | Path) -> "DKIMSigner":
        return cls.from_pem(domain, selector, Path(path).read_bytes())

    @property
    def algorithm(self) -> str:
        return "ed25519-sha256" if isinstance(self.private_key, ed25519.Ed25519PrivateKey) else "rsa-sha256"

    def public_dns_record(self) -> str:
        """The TXT record to publish at ``selector._domainkey.domain``."""
        public = self.private_key.public_key()
        if isinstance(public, ed25519.Ed25519PublicKey):
            raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            return f"v=DKIM1; k=ed25519; p={base64.b64encode(raw).decode()}"
        der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        return f"v=DKIM1; k=rsa; p={base64.b64encode(der).decode()}"

    def sign(self, raw: bytes, timestamp: int | None = None, canonical_body: bool = False,
             relaxed: bytes | None = None) -> bytes:
        """The message with a ``DKIM-Signature`` header prepended.

        ``canonical_body``: the caller guarantees the body is already in relaxed form
        (a campaign message is: app.message.encoding.transparent), which saves scanning
        90 KB three times per message. ``relaxed``: the body's relaxed form, when the
        caller has it cheaply (an 8bit text part keeps its spaces). Tests check both with dkimpy.
        """
        head, sep, body = raw.partition(b"\r\n\r\n")
        if not sep:
            head, body = raw, b""
        fields = split_headers(head)
        # RFC 6376 §5.4.2: several instances of a header are signed from the bottom up.
        by_name: dict[bytes, list[bytes]] = {}
        for name, value in fields:
            by_name.setdefault(name.strip().lower(), []).append(value)
        signed_names: list[str] = []
        canonical = []
        for header in SIGNED_HEADERS:
            values = by_name.get(header.encode())
            if not values:
                continue
            for value in reversed(values):
                signed_names.append(header)
                canonical.append(relaxed_header(header.encode(), value))
            if header in OVERSIGNED:
                signed_names.append(header)  # an absent instance signs as nothing
        if relaxed is not None:
            body = relaxed if relaxed.endswith(b"\r\n") else relaxed + b"\r\n"
        elif canonical_body:
            body = body if not body or body.endswith(b"\r\n") else body + b"\r\n"
        else:
            body = relaxed_body(body)
        body_hash = base64.b64encode(hashlib.sha256(body).digest()).decode()
        stamp = int(time.time()) if timestamp is None else timestamp
        tags = (
            f" v=1; a={self.algorithm}; c=relaxed/relaxed; d={self.domain}; s={self.selector};\r\n"
            f"\tt={stamp}; h={':'.join(signed_names)};\r\n"
            f"\tbh={body_hash};\r\n\tb="
        ).encode()
        data = b"".join(canonical) + relaxed_header(b"dkim-signature", tags)[:-2]
        if isinstance(self.private_key, ed25519.Ed25519PrivateKey):
            signature = self.private_key.sign(hashlib.sha256(data).digest())
        else:
            signature = self.private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        b64 = base64.b64encode(signature)
        folded = b"\r\n\t ".join(b64[i:i + 72] for i in range(0, len(b64), 72))
        return b"DKIM-Signature:" + tags + folded + b"\r\n" + raw


_SIGNERS: dict[tuple[str, str, str], DKIMSigner] = {}


def signer_from_config(config: Mapping[str, Any]) -> DKIMSigner | None:
    """The signer for ``DKIM_DOMAIN``/``DKIM_SELECTOR``/``DKIM_PRIVATE_KEY_FILE``, or None (unsigned)."""
    domain = config.get("DKIM_DOMAIN", "")
    selector = config.get("DKIM_SELECTOR", "")
    path = config.get("DKIM_PRIVATE_KEY_FILE", "")
    if not (domain and selector and path):
        return None
    key = (domain, selector, path)
    if key not in _SIGNERS:
        _SIGNERS[key] = DKIMSigner.from_file(domain, selector, path)
    return _SIGNERS[key]
