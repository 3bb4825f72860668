"""A mailbox provider's feedback loop, hand-made: an ARF complaint report (RFC 5965) about a message we sent.

Written from RFC 5965 §3 and its Appendix B example (multipart/report; report-type=feedback-report:
a human-readable part, a ``message/feedback-report`` part, then the reported message's header
block as ``text/rfc822-headers``), not copied from any provider's corpus. The reported headers
are the real ones of the message the test SMTP server received, so the report carries our
signed Message-ID exactly as a provider would quote it.
"""
from __future__ import annotations

from email.utils import format_datetime
from datetime import datetime, timezone


def arf_complaint(received: bytes, mail_from: str, rcpt: str, *, reporter: str = "fbl.example.net") -> str:
    """The report a provider sends when ``rcpt`` presses "this is spam" on the message ``received``."""
    head = received.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace").replace("\r\n", "\n")
    now = format_datetime(datetime.now(timezone.utc))
    boundary = "fbl_report_part_0001"
    return (
        f"From: <feedback@{reporter}>\n"
        f"To: <abuse@crpve91.fr>\n"
        f"Subject: FW: complaint about a message from crpve91.fr\n"
        f"Date: {now}\n"
        f"Message-ID: <report.{abs(hash((rcpt, now)))}@{reporter}>\n"
        "MIME-Version: 1.0\n"
        f'Content-Type: multipart/report; report-type=feedback-report;\n boundary="{boundary}"\n'
        "\n"
        f"--{boundary}\n"
        'Content-Type: text/plain; charset="US-ASCII"\n'
        "Content-Transfer-Encoding: 7bit\n"
        "\n"
        f"This is an email abuse report for an email message received from IP 127.0.0.1 on {now}.\n"
        "For more information about this format please see https://www.rfc-editor.org/rfc/rfc5965.\n"
        "\n"
        f"--{boundary}\n"
        "Content-Type: message/feedback-report\n"
        "\n"
        "Feedback-Type: abuse\n"
        "User-Agent: TestFBL/1.0\n"
        "Version: 1\n"
        f"Original-Mail-From: <{mail_from}>\n"
        f"Original-Rcpt-To: <{rcpt}>\n"
        f"Arrival-Date: {now}\n"
        f"Reporting-MTA: dns; {reporter}\n"
        "Source-IP: 127.0.0.1\n"
        "Reported-Domain: crpve91.fr\n"
        "\n"
        f"--{boundary}\n"
        "Content-Type: text/rfc822-headers\n"
        "\n"
        f"{head}\n"
        "\n"
        f"--{boundary}--\n"
    )
