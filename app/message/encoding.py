"""Fast MIME assembly: encode the constant parts of a message once, splice values per recipient.

``EmailMessage.as_bytes()`` costs milliseconds per message (performance.md);
a campaign's body is the same for everyone except a few values. So a body with
placeholders is cut at the placeholders, each constant piece is encoded
quoted-printable ONCE, and per recipient only the short values are encoded and
joined in between.

Why the joins are valid quoted-printable: every encoded piece ends with a soft
line break (``=\\r\\n``), so the next piece starts on a fresh line and no line
can exceed 76 characters whatever the values' lengths. The boundary contains
``=_``, which quoted-printable output can never contain, so it cannot collide
with the body.

binascii.b2a_qp picks LF or CRLF from the first line end it sees: bodies are
normalised to LF, encoded, then converted to CRLF (the trap performance.md warns of).
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from email.header import Header
from email.utils import formataddr
from typing import Callable, Iterable, Mapping

CRLF = b"\r\n"
SOFT_BREAK = b"=\r\n"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def qp_encode(text: str) -> bytes:
    """Quoted-printable (UTF-8), lines ≤ 76, CRLF line ends, no run of whitespace on the wire."""
    data = text.replace("\r\n", "\n").replace("\r", "\n").encode("utf-8")
    encoded = binascii.b2a_qp(data, quotetabs=False, istext=True, header=False).replace(b"\n", CRLF)
    return without_leading_dots(within_76(without_wsp_runs(encoded)))


def within_76(encoded: bytes) -> bytes:
    """Re-cut lines over 76 characters (RFC 2045 §6.7).

    ``binascii.b2a_qp`` decides where to cut before it escapes a line's trailing
    whitespace, so ``"x" * 69 + "é \n"`` comes out 78 characters long.
    """
    lines = encoded.split(CRLF)
    if all(len(line) <= 76 for line in lines):
        return encoded
    return CRLF.join(_rewrap(line) if len(line) > 76 else line for line in lines)


_WSP_RUN = re.compile(rb"[ \t]{2,}|\t")
_QP_TOKEN = re.compile(rb"=[0-9A-F]{2}|.", re.S)


def _spell_out(match: re.Match) -> bytes:
    run = match.group()
    escaped = b"".join(b"=20" if c == 0x20 else b"=09" for c in run[:-1])
    return escaped + (b" " if run[-1:] == b" " else b"=09")


def without_wsp_runs(encoded: bytes) -> bytes:
    """Write every whitespace run but its last space as ``=20`` (tabs as ``=09``).

    The decoded text is unchanged, but the bytes on the wire are already in DKIM's
    relaxed body form (RFC 6376 §3.4.4: WSP runs collapse to one space), so the
    signer's canonicalisation of a 90 KB body has nothing to rewrite. Lines may grow
    past 76 characters: :func:`within_76` re-cuts them.
    """
    if b"  " not in encoded and b"\t" not in encoded:
        return encoded
    lines = []
    for line in encoded.split(CRLF):
        if b"  " in line or b"\t" in line:
            line = _WSP_RUN.sub(_spell_out, line)
        lines.append(line)
    return CRLF.join(lines)


def _rewrap(line: bytes) -> bytes:
    """An encoded line longer than 76 characters, cut with soft breaks, never inside an escape."""
    soft = line.endswith(b"=")
    tokens = _QP_TOKEN.findall(line[:-1] if soft else line)
    chunks, current = [], b""
    for token in tokens:
        if len(current) + len(token) > 75:
            chunks.append(current)
            current = b""
        current += token
    chunks.append(current + (b"=" if soft else b""))
    return SOFT_BREAK.join(chunks)


def without_leading_dots(encoded: bytes) -> bytes:
    """Write a "." that starts a line as ``=2E`` (the decoded text is unchanged).

    SMTP would otherwise have to dot-stuff the line (RFC 5321 §4.5.2), which means
    scanning all 90 KB of every message for ``CRLF.``: with no line starting with a dot,
    a built message goes on the wire as it is (:attr:`transparent`).
    """
    if not encoded.startswith(b".") and b"\r\n." not in encoded:
        return encoded
    out: list[bytes] = []
    todo = encoded.split(CRLF)[::-1]
    while todo:
        line = todo.pop()
        if line.startswith(b"."):
            line = b"=2E" + line[1:]
            if len(line) > 76:  # re-cut; the lines after the cut are looked at in turn
                line, *rest = _rewrap(line).split(CRLF)
                todo.extend(reversed(rest))
        out.append(line)
    return CRLF.join(out)


def transparent(piece: bytes) -> bool:
    """True when these bytes need neither SMTP dot-stuffing nor DKIM relaxed body rewriting.

    That is: no line starts with ".", no whitespace run, no tab, no space before a line
    end (RFC 5321 §4.5.2, RFC 6376 §3.4.4). Every piece :func:`qp_piece` makes is so.
    """
    return not (piece.startswith(b".") or b"\r\n." in piece or b"  " in piece or b"\t" in piece
                or b" \r\n" in piece or piece.endswith(b" "))


_PLAIN_ASCII = re.compile(r"[!-<>-~]+\Z")  # printable ASCII without "=" or spaces: QP leaves it as is


def qp_piece(text: str) -> bytes:
    """One spliceable piece: encoded, ending with a soft break so the next piece starts a new line."""
    if not text:
        return b""
    if _PLAIN_ASCII.match(text):  # URLs: only soft line breaks to add (the per-recipient fast path)
        raw = text.encode("ascii")
        return without_leading_dots(b"".join(raw[i:i + 75] + SOFT_BREAK for i in range(0, len(raw), 75)))
    return without_leading_dots(_with_soft_end(qp_encode(text)))


def _with_soft_end(encoded: bytes) -> bytes:
    """Append the soft break, first splitting a last line that would then exceed 76 characters."""
    head, sep, last = encoded.rpartition(CRLF)
    if len(last) <= 75:
        return encoded + SOFT_BREAK
    cut = 75
    if last[cut - 1:cut] == b"=":  # never split an "=XX" escape
        cut -= 1
    elif last[cut - 2:cut - 1] == b"=":
        cut -= 2
    return head + sep + last[:cut] + SOFT_BREAK + last[cut:] + SOFT_BREAK


def b64_encode(data: bytes) -> bytes:
    encoded = base64.b64encode(data)
    return CRLF.join(encoded[i:i + 76] for i in range(0, len(encoded), 76)) + CRLF


def sanitise_header_text(value: str) -> str:
    """For values from data (a subscriber's name): control characters become spaces."""
    return _CONTROL.sub(" ", value).strip()


def encode_header_value(name: str, value: str) -> bytes:
    """``Name: value`` folded, RFC 2047 encoded when not ASCII, CRLF-terminated.

    A value already folded by :func:`encode_address` (it holds CRLF + space) is kept as it is.
    """
    if value.isascii() and (len(name) + 2 + len(value) <= 78 or "\r\n " in value):
        return f"{name}: {value}\r\n".encode("ascii")
    encoded = Header(value, "utf-8" if not value.isascii() else "us-ascii", header_name=name).encode(linesep="\r\n")
    return f"{name}: {encoded}\r\n".encode("ascii")


def encode_address(display_name: str, address: str) -> str:
    """``"Name" <addr>`` with RFC 2047 for a non-ASCII name (formataddr quotes specials).

    Non-ASCII names become base64 encoded-words of at most 75 characters each, split
    on character boundaries and separated by folding whitespace (RFC 2047 §2, §5).
    """
    display_name = sanitise_header_text(display_name)
    if display_name and not display_name.isascii():
        return "\r\n ".join(encoded_words(display_name)) + f"\r\n <{address}>"
    return formataddr((display_name, address))


def idna_address(address: str) -> str:
    """The address with its domain in IDNA (``xn--``) form when only the domain is not ASCII: any
    server takes it. A non-ASCII local part is left as it is (it needs SMTPUTF8, RFC 6531)."""
    local, at, domain = address.rpartition("@")
    if not at or domain.isascii() or not local.isascii():
        return address
    try:
        return f"{local}@{domain.encode('idna').decode('ascii')}"
    except UnicodeError:
        return address


def encoded_words(text: str, limit: int = 45) -> list[str]:
    """``=?utf-8?b?…?=`` words; 45 bytes of UTF-8 give 60 base64 characters, 72 with the wrapper."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return ["=?utf-8?b?" + base64.b64encode(data).decode("ascii") + "?="]
    # Split between characters, preferably after a space: a decoder that wrongly keeps the
    # folding whitespace between encoded-words (Python's own policy.default does) then shows
    # a double space rather than a space inside a word.
    words: list[bytes] = []
    chunk = ""
    for ch in text:
        if len((chunk + ch).encode("utf-8")) > limit:
            cut = chunk.rfind(" ") + 1
            if 0 < cut < len(chunk):
                words.append(chunk[:cut].encode("utf-8"))
                chunk = chunk[cut:]
            else:
                words.append(chunk.encode("utf-8"))
                chunk = ""
        chunk += ch
    if chunk:
        words.append(chunk.encode("utf-8"))
    return ["=?utf-8?b?" + base64.b64encode(w).decode("ascii") + "?=" for w in words]


@dataclass(frozen=True)
class SplicedBody:
    """A body cut at its placeholders: constant pieces are already encoded bytes.

    ``pieces`` alternates: bytes (constant, encoded), str (a placeholder's key).
    ``escape`` turns a value into what the body needs (HTML-escaped for HTML).
    """

    pieces: tuple[bytes | str, ...]
    escape: Callable[[str], str]

    @classmethod
    def compile(cls, text: str, placeholders: Mapping[str, str], escape: Callable[[str], str],
                encode: Callable[[str], bytes] = qp_piece) -> "SplicedBody":
        """``placeholders`` maps the marker written in the text to the value's key; ``encode``
        makes the constant pieces' bytes (quoted-printable, or :func:`eight_bit_piece`)."""
        if not placeholders:
            return cls((encode(text),), escape)
        pattern = re.compile("|".join(re.escape(m) for m in sorted(placeholders, key=len, reverse=True)))
        pieces: list[bytes | str] = []
        position = 0
        for match in pattern.finditer(text):
            if match.start() > position:
                pieces.append(encode(text[position:match.start()]))
            pieces.append(placeholders[match.group(0)])
            position = match.end()
        if position < len(text):
            pieces.append(encode(text[position:]))
        return cls(tuple(pieces), escape)

    def render(self, values: Mapping[str, str]) -> bytes:
        escape = self.escape
        return b"".join(
            piece if piece.__class__ is bytes else qp_piece(escape(values[piece]))  # type: ignore[index]
            for piece in self.pieces
        )

    def render_encoded(self, encoded: Mapping[str, bytes]) -> bytes:
        """Join with values the caller already escaped and encoded (each once per message)."""
        return b"".join([piece if piece.__class__ is bytes else encoded[piece]  # type: ignore[index]
                         for piece in self.pieces])


def boundary_for(seed: str) -> str:
    return "=_lettrine_" + hashlib.sha256(seed.encode()).hexdigest()[:24]


def part_headers(content_type: str, encoding: str, extra: Iterable[str] = ()) -> bytes:
    lines = [f"Content-Type: {content_type}", f"Content-Transfer-Encoding: {encoding}", *extra]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


def attachment_part(filename: str, content: bytes, maintype: str, subtype: str,
                    params: Mapping[str, str] | None = None) -> bytes:
    """A base64 attachment part (headers + body), built once."""
    ctype = f"{maintype}/{subtype}"
    for key, value in (params or {}).items():
        ctype += f'; {key}="{value}"'
    if maintype == "text":
        ctype += '; charset="utf-8"'
    safe_name = sanitise_header_text(filename).replace('"', "")
    if not safe_name.isascii():
        disposition = f"attachment; filename*=utf-8''{_percent(safe_name)}"
        ctype += f"; name*=utf-8''{_percent(safe_name)}"
    else:
        disposition = f'attachment; filename="{safe_name}"'
        ctype += f'; name="{safe_name}"'
    return part_headers(ctype, "base64", [f"Content-Disposition: {disposition}"]) + b64_encode(content)


def inline_part(content_id: str, filename: str, content: bytes, subtype: str = "png") -> bytes:
    """An inline image part for multipart/related, shown by the HTML as ``cid:<content_id>``."""
    safe_id = sanitise_header_text(content_id).replace("<", "").replace(">", "")
    safe_name = sanitise_header_text(filename).replace('"', "")
    return part_headers(f'image/{subtype}; name="{safe_name}"', "base64",
                        [f"Content-ID: <{safe_id}>", f'Content-Disposition: inline; filename="{safe_name}"']) \
        + b64_encode(content)


def _percent(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


def assemble_body(text: str, html: str, attachments: Iterable = (), seed: str = "", inline: Iterable = ()) -> bytes:
    """Content-Type header + body: multipart/alternative, inside multipart/related when there are
    inline images (``render.InlineImage``: ``content_id``, ``filename``, ``content``, ``subtype``),
    inside multipart/mixed when attachments exist.

    For one-off messages (transactional); campaigns pre-encode the same layout once
    (app.message.builder.CampaignMessageBuilder).
    """
    alt = boundary_for("alt:" + seed)
    body = (
        f'Content-Type: multipart/alternative; boundary="{alt}"\r\n\r\n--{alt}\r\n'.encode("ascii")
        + part_headers('text/plain; charset="utf-8"', "quoted-printable") + qp_encode(text)
        + f"\r\n--{alt}\r\n".encode("ascii")
        + part_headers('text/html; charset="utf-8"', "quoted-printable") + qp_encode(html)
        + f"\r\n--{alt}--\r\n".encode("ascii")
    )
    images = list(inline)
    if images:
        related = boundary_for("related:" + seed)
        body = b"".join([
            f'Content-Type: multipart/related; type="multipart/alternative"; boundary="{related}"\r\n\r\n'
            f"--{related}\r\n".encode("ascii"), body,
            *(f"\r\n--{related}\r\n".encode("ascii") + inline_part(i.content_id, i.filename, i.content, i.subtype)
              for i in images),
            f"\r\n--{related}--\r\n".encode("ascii")])
    attachments = list(attachments)
    if not attachments:
        return body
    mixed = boundary_for("mixed:" + seed)
    out = [f'Content-Type: multipart/mixed; boundary="{mixed}"\r\n\r\n--{mixed}\r\n'.encode("ascii"), body]
    for a in attachments:
        out.append(f"\r\n--{mixed}\r\n".encode("ascii"))
        out.append(attachment_part(a.filename, a.content, a.maintype, a.subtype, a.params))
    out.append(f"\r\n--{mixed}--\r\n".encode("ascii"))
    return b"".join(out)


# -- 8bit (RFC 6152): for a relay that announces 8BITMIME -------------------------------------

LINE_LIMIT = 998  # octets before CRLF (RFC 5322 §2.1.1, RFC 5321 §4.5.3.1.6)
WRAP_AT = 900  # a wrapped line's length, leaving room below LINE_LIMIT
VALUE_ROOM = 300  # octets counted for each per-recipient value spliced into a line

_HTML_TOKEN = re.compile(rb"<!--.*?-->|<[^>]*>|[^<]+", re.S)
_KEEP_SPACES = re.compile(rb"<(/?)(pre|textarea)\b", re.I)
_TAG_SPACE = re.compile(rb'[ \t\n]+(?=(?:[^"\']|"[^"]*"|\'[^\']*\')*\Z)')


def eight_bit_piece(text: str) -> bytes:
    """UTF-8 with CRLF line ends: what an 8bit part carries (no escaping at all)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n").encode("utf-8")


def html_for_8bit(html: str, markers: Iterable[str] = ()) -> str | None:
    """The HTML ready to travel as 8bit, or None when it cannot be made so.

    1. Whitespace runs HTML reads as one space become one space, and spaces before a line
       break go: in text, in tags between attributes, in ``<style>`` and comments — never
       inside ``<pre>``/``<textarea>`` nor inside an attribute's value. The body is then
       already in DKIM's relaxed form, so signing it costs no canonicalisation.
    2. Some of those spaces become line breaks so that no line exceeds :data:`WRAP_AT` octets
       (each marker counted as :data:`VALUE_ROOM`): between a tag's attributes, or in text
       outside ``<pre>``/``<textarea>``, never before a "." (no dot-stuffing either), never in
       a comment (Outlook's ``<!--[if mso]>`` conditionals stay on one line). mjml-python
       writes the whole body on one line; this is what lets it travel as 8bit.

    None when a stretch has no place to break, or when what is left is not transparent
    (a ``<pre>`` with aligned spaces…): that part then goes quoted-printable.
    """
    data = _collapsed(html.encode("utf-8").replace(b"\r\n", b"\n").replace(b"\r", b"\n"))
    spots: list[int] = []  # offsets of a space that may become a line break
    keep = 0
    for match in _HTML_TOKEN.finditer(data):
        token, start = match.group(), match.start()
        if token.startswith(b"<!--"):
            continue
        if token.startswith(b"<"):
            tag = _KEEP_SPACES.match(token)
            if tag:
                keep = max(keep + (-1 if tag.group(1) else 1), 0)
            body = token[1:-1]
            # whitespace between attributes: outside quotes (the lookahead sees balanced quotes after it)
            spots += [start + 1 + m.start() for m in _TAG_SPACE.finditer(body)]
        elif not keep:
            spots += [start + i for i, byte in enumerate(token) if byte == 0x20]
    spots = [spot for spot in spots if data[spot:spot + 1] == b" " and data[spot + 1:spot + 2] != b"."]
    wrapped = _wrap(data, spots, [m.encode("utf-8") for m in markers])
    if wrapped is None or not transparent_inside(wrapped.replace(b"\n", CRLF)):
        return None
    return wrapped.decode("utf-8")


_RUN = re.compile(rb"[ \t]+")
_BEFORE_BREAK = re.compile(rb"[ \t]+\n")
_QUOTED_OR_SPACE = re.compile(rb'("[^"]*"|\'[^\']*\')|[ \t\n]+')


def _collapsed(data: bytes) -> bytes:
    """Whitespace runs to one space where HTML reads them so (see :func:`html_for_8bit`, step 1)."""
    out: list[bytes] = []
    keep = 0
    for match in _HTML_TOKEN.finditer(data):
        token = match.group()
        if token.startswith(b"<!--"):
            out.append(_BEFORE_BREAK.sub(b"\n", _RUN.sub(b" ", token)))
        elif token.startswith(b"<"):
            tag = _KEEP_SPACES.match(token)
            if tag:
                keep = max(keep + (-1 if tag.group(1) else 1), 0)
            out.append(_QUOTED_OR_SPACE.sub(lambda m: m.group(1) or b" ", token))
        elif keep:
            out.append(token)
        else:
            out.append(_BEFORE_BREAK.sub(b"\n", _RUN.sub(b" ", token)))
    return b"".join(out)


def transparent_inside(piece: bytes) -> bool:
    """Like :func:`transparent`, for a piece that values are spliced onto: a space at either end is
    fine (a value follows or precedes it); inside, no whitespace run, tab, trailing space or line
    starting with "." (RFC 5321 §4.5.2, RFC 6376 §3.4.4)."""
    return not (piece.startswith(b".") or b"\r\n." in piece or b"  " in piece or b"\t" in piece
                or b" \r\n" in piece)


def text_for_8bit(text: str, markers: Iterable[str] = ()) -> str | None:
    """The text as it is when every line fits in :data:`WRAP_AT` octets (markers counted as
    :data:`VALUE_ROOM`), else None: a plain-text line is never re-cut (that would show); such a
    part goes quoted-printable. Its indentation and spaces stay: the signer is handed its
    relaxed form (:func:`relaxed_fragment`, once per campaign) instead of rewriting 80 KB."""
    data = text.encode("utf-8").replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    found = [m.encode("utf-8") for m in markers]
    if any(_weight(line, found) > WRAP_AT for line in data.split(b"\n")):
        return None
    return text


_RUN_BEFORE_CRLF = re.compile(rb"[ \t]+\r\n")


def relaxed_fragment(piece: bytes) -> bytes:
    """DKIM's relaxed body form (RFC 6376 §3.4.4) of a piece that values are spliced onto: runs of
    whitespace become one space, whitespace before a line end goes; a space at either end stays
    (the value next to it is checked per message)."""
    return _RUN_BEFORE_CRLF.sub(CRLF, _RUN.sub(b" ", piece))


def _weight(segment: bytes, markers: list[bytes]) -> int:
    return len(segment) + sum(segment.count(m) * (VALUE_ROOM - len(m)) for m in markers if m in segment)


def _wrap(data: bytes, spots: list[int], markers: list[bytes]) -> bytes | None:
    """Greedy: break at the last possible spot before a line grows past WRAP_AT."""
    breaks: list[int] = []
    line_start = 0
    last = -1
    newlines = {i for i in range(len(data)) if data[i] == 0x0A} if b"\n" in data else set()
    events = sorted(set(spots) | newlines | {len(data)})
    for position in events:
        while _weight(data[line_start:position], markers) > WRAP_AT:
            if last < line_start:
                return None  # a stretch with no place to break (a long URL, a data: image…)
            breaks.append(last)
            line_start = last + 1
        if position in newlines or position == len(data):
            line_start, last = position + 1, -1
        else:
            last = position
    if not breaks:
        return data
    out = bytearray(data)
    for spot in breaks:
        out[spot] = 0x0A
    return bytes(out)
