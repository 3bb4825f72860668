"""Message bytes → what the admin shows (headers, HTML, text, attachment names).

One reader for the outbox and the campaign preview, so both show a message the same way.
"""
from __future__ import annotations

import base64
import email
from dataclasses import dataclass, field
from email import policy


@dataclass
class MessageParts:
    headers: list[tuple[str, str]] = field(default_factory=list)
    html: str = ""
    text: str = ""
    attachments: list[str] = field(default_factory=list)


def message_parts(raw: bytes) -> MessageParts:
    parts = MessageParts()
    if not raw:
        return parts
    msg = email.message_from_bytes(raw, policy=policy.default)
    parts.headers = [(k, str(v)) for k, v in msg.items()]
    inline: dict[str, str] = {}
    for part in msg.walk():
        if part.is_multipart():
            continue
        content_id = str(part.get("Content-ID") or "").strip().strip("<>")
        if content_id and part.get_content_maintype() == "image" and part.get_content_disposition() == "inline":
            # A cid: image (a registrant's QR code): shown in place, as a data: URL the preview may load.
            payload = part.get_payload(decode=True)
            encoded = base64.b64encode(payload if isinstance(payload, bytes) else b"").decode("ascii")
            inline[content_id] = f"data:{part.get_content_type()};base64,{encoded}"
        elif filename := part.get_filename():
            parts.attachments.append(filename)
        elif part.get_content_type() == "text/html" and not parts.html:
            parts.html = part.get_content()
        elif part.get_content_type() == "text/plain" and not parts.text:
            parts.text = part.get_content()
    for content_id, url in inline.items():
        parts.html = parts.html.replace(f"cid:{content_id}", url)
    return parts
