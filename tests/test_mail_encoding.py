"""The spliced quoted-printable encoder and the rich-text subset, on their own."""
from __future__ import annotations

import quopri
import re

from hypothesis import given, settings, strategies as st

from app.message.encoding import SplicedBody, encoded_words, qp_encode, qp_piece, transparent
from app.message import richtext

MARKERS = {"LTRNxAx": "a", "LTRNxBx": "b"}
texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"), max_size=300)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(texts, st.sampled_from(list(MARKERS))), max_size=8), texts, texts)
def test_spliced_body_decodes_to_the_filled_text(pieces, a, b):
    template = "".join(pieces)
    body = SplicedBody.compile(template, MARKERS, lambda v: v)
    encoded = body.render({"a": a, "b": b})
    assert all(len(line) <= 76 for line in encoded.split(b"\r\n"))
    assert b"\n" not in encoded.replace(b"\r\n", b"")
    # One pass over the markers: the values themselves may contain anything, even a marker-like text.
    expected = re.sub("LTRNxAx|LTRNxBx", lambda m: {"LTRNxAx": a, "LTRNxBx": b}[m.group()], template)
    decoded = quopri.decodestring(encoded.replace(b"\r\n", b"\n")).decode("utf-8")
    assert decoded == expected.replace("\r\n", "\n")
    # What lets the worker skip dot-stuffing and DKIM canonicalisation, whatever the values.
    assert transparent(encoded)


dotted = st.text(alphabet=st.sampled_from(list(". a=\tzé\n/~")), max_size=400)
urls = st.text(alphabet=st.sampled_from(list(".abcXYZ09-_/:?&%")), min_size=1, max_size=400)


@settings(max_examples=200, deadline=None)
@given(st.one_of(dotted, urls))
def test_no_line_starts_with_a_dot_and_lines_stay_short(text):
    encoded = qp_piece(text)
    lines = encoded.split(b"\r\n")
    assert all(len(line) <= 76 for line in lines)
    assert not any(line.startswith(b".") for line in lines)
    assert transparent(encoded)
    assert quopri.decodestring(encoded.replace(b"\r\n", b"\n")).decode("utf-8") == text.replace("\r", "")


def test_dots_at_line_starts_are_escaped():
    url = "https://lettrine.crpve91.fr/u/" + "a" * 45 + ".eyJzIjoi"  # the dot falls at a line start + "b" * 80 + ".sig"
    encoded = qp_piece(url)
    assert b"=2E" in encoded and b"\r\n." not in encoded
    assert qp_piece(".début\n.suite\n").startswith(b"=2Ed=C3=A9but")
    assert not transparent(b"a\r\n.b") and not transparent(b"a  b") and not transparent(b"a \r\nb")


def test_no_line_over_76_even_where_binascii_makes_one():
    for text in ("x" * 69 + "é \nsuite", "x" * 74 + " \n", "y" * 73 + "\t\nz", "é" * 12 + "x" * 2 + " \n"):
        encoded = qp_encode(text)
        assert max(len(line) for line in encoded.split(b"\r\n")) <= 76, encoded
        assert quopri.decodestring(encoded).decode("utf-8").replace("\r\n", "\n") == text
        assert all(len(line) <= 76 for line in qp_piece(text).split(b"\r\n"))


def test_qp_uses_crlf_and_escapes_equals():
    out = qp_encode("a=b\nligne suivante éà  \n" + "x" * 200)
    assert b"a=3Db\r\n" in out and b"=C3=A9" in out and b"=20\r\n" in out
    assert all(len(line) <= 76 for line in out.split(b"\r\n"))


def test_encoded_words_are_short_and_whole_characters():
    words = encoded_words("Ünïcödé " * 20)
    assert len(words) > 1 and all(len(w) <= 75 for w in words)
    from email.header import decode_header

    assert b"".join(part for part, _ in decode_header(" ".join(words))).decode() == ("Ünïcödé " * 20)


def test_richtext_is_sanitised():
    html = str(richtext.to_html("<script>alert(1)</script> [x](javascript:alert(1)) [ok](https://a.fr) "
                                "<img src=x onerror=alert(1)>"))
    import lxml.html

    doc = lxml.html.fromstring(f"<div>{html}</div>")
    assert not doc.xpath("//script|//img|//@onerror")
    assert [a.get("href") for a in doc.xpath("//a")] == ["https://a.fr"]
    assert "&lt;script&gt;" in html  # shown as text, harmless


def test_richtext_text_layout():
    source = "### Intervenante\n\nIntro *douce*.\n\n- un\n  - sous [lien](https://a.fr)\n- deux\n\nFin."
    heading, rest = richtext.split_heading(source)
    assert heading == "Intervenante"
    assert richtext.to_text(rest) == "Intro douce.\n\n- un\n  • sous lien : https://a.fr\n- deux\n\nFin."
    assert "<ul>" in richtext.to_html(rest) and "<em>douce</em>" in richtext.to_html(rest)


def test_no_whitespace_runs_on_the_wire_and_the_text_is_unchanged():
    import quopri

    from app.message.dkim import relaxed_body
    from app.message.encoding import qp_encode

    samples = [
        "  • portage intercommunal\n    - sous-point\t(tabulé)\n",
        "Titre" + " " * 90 + "fin\n" + "x" * 70 + "      y\n",
        "é" * 30 + "  " + "à" * 30 + "\n\tligne\n",
    ]
    for text in samples:
        encoded = qp_encode(text)
        assert b"  " not in encoded and b"\t" not in encoded
        assert all(len(line) <= 76 for line in encoded.split(b"\r\n"))
        assert quopri.decodestring(encoded).decode("utf-8").replace("\r\n", "\n") == text
        body = encoded if encoded.endswith(b"\r\n") else encoded + b"\r\n"
        assert relaxed_body(body) == body.rstrip(b"\r\n") + b"\r\n"
