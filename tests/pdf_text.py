"""Reading back the PDFs we make: text (as a reader would select it), page size, embedded fonts."""
from __future__ import annotations

import io
import re

from pypdf import PdfReader

A4_POINTS = (595.28, 841.89)


def pdf_text(data: bytes) -> str:
    """All pages' text with runs of whitespace (incl. no-break spaces) made single spaces."""
    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def assert_a4_with_embedded_fonts(data: bytes) -> None:
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    assert reader.pages, "no page"
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(width - A4_POINTS[0]) < 1 and abs(height - A4_POINTS[1]) < 1, (width, height)
        fonts = page["/Resources"]["/Font"]
        assert fonts, "text drawn without fonts (an image of text?)"
        for font in fonts.values():
            font = font.get_object()
            descendant = font.get("/DescendantFonts")
            descriptor = (descendant[0].get_object() if descendant else font)["/FontDescriptor"].get_object()
            assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), font["/BaseFont"]
