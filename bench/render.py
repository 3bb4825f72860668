"""Rendering benchmark: once-per-campaign compile time and per-recipient cost of the message bytes.

Run: ``.venv/bin/python bench/render.py [--recipients 5000]``. Uses a throw-away
SQLite database with the demo (the seed announcement, ~68 KB of HTML) (never the configured
one). Prints medians; no DKIM (the sending helper signs afterwards).
For comparison it also times the obvious way (EmailMessage + as_bytes) on the same body.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=5000)
    parser.add_argument("--compiles", type=int, default=7)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="lettrine-bench-"))
    os.environ["LETTRINE_INSTANCE_DIR"] = str(tmp)  # always a throw-away database: never touch a real one
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.db'}"
    os.environ.setdefault("BASE_URL", "https://lettrine.example.org")
    from flask_migrate import upgrade

    from app import create_app
    from app.services import demo
    from app.services.demo import CAMPAIGN_SLUG
    from app.extensions import db
    from flask_babel import force_locale

    from app.message.builder import CampaignMessageBuilder, Recipient
    from app.message.render import LOCALE, compile_email
    from app.sending.compose import campaign_settings, fingerprint
    from app.sending.language import email_language
    from app.sending.views import campaign_context
    from app.models import Campaign

    app = create_app()
    with app.app_context():
        import logging

        logging.getLogger("alembic").setLevel(logging.WARNING)
        upgrade()
        demo.load_demo()
        campaign = db.session.query(Campaign).filter_by(slug=CAMPAIGN_SLUG).one()
        def compile_campaign():
            with force_locale(LOCALE):
                kind, context, attachments = campaign_context(campaign)
                return compile_email(kind, context, campaign.subject, campaign.preheader, attachments,
                                     email_language()), \
                    fingerprint(campaign, kind, context)

        compile_campaign()  # warm: imports, Jinja template compilation

        compiles = []
        for _ in range(args.compiles):
            start = time.perf_counter()
            compiled, version = compile_campaign()
            compiles.append(time.perf_counter() - start)
        start = time.perf_counter()
        builder = CampaignMessageBuilder(campaign_settings(campaign, version), compiled)
        encode_once = time.perf_counter() - start

        people = [Recipient(subscriber_id=i, uid=f"uid{i:08d}x", email=f"personne{i}@example.org",
                            first_name=("Hélène", "François", "Zoé", "Anne")[i % 4], last_name="Lefèvre")
                  for i in range(args.recipients)]
        for r in people[:200]:
            builder.build(r)
        runs = []
        size = 0
        for _ in range(5):
            start = time.process_time()
            for r in people:
                size = len(builder.build(r).raw)
            runs.append((time.process_time() - start) / len(people))

        # The same per recipient with 8bit parts (a relay that announces 8BITMIME), and the DKIM
        # signature of each encoding (Ed25519; CPU time, so a loaded machine changes little).
        start = time.perf_counter()
        builder.eight_bit_cut()
        cut_once = time.perf_counter() - start
        runs_8bit = []
        size_8bit = 0
        for _ in range(5):
            start = time.process_time()
            for r in people:
                size_8bit = len(builder.build(r, eight_bit=True).raw)
            runs_8bit.append((time.process_time() - start) / len(people))
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ed25519

        from app.message.dkim import DKIMSigner
        from app.sending.compose import wire_bytes

        key = ed25519.Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        signer = DKIMSigner.from_pem("example.org", "bench", key)
        signing = {}
        for eight_bit in (False, True):
            messages = [builder.build(r, eight_bit=eight_bit) for r in people[:1000]]
            start = time.process_time()
            for message in messages:
                wire_bytes(message, signer)
            signing[eight_bit] = (time.process_time() - start) / len(messages)

        # The obvious way, for the ratio (performance.md: ~3.2 ms).
        from email.message import EmailMessage

        html, text = compiled.fill(builder.values_for(people[0]))
        obvious = []
        for r in people[:200]:
            start = time.process_time()
            msg = EmailMessage()
            msg["From"] = builder.from_header
            msg["To"] = r.email
            msg["Subject"] = builder.subject
            msg.set_content(text, cte="quoted-printable")
            msg.add_alternative(html, subtype="html", cte="quoted-printable")
            msg.as_bytes()
            obvious.append(time.process_time() - start)

        print(f"HTML after inlining: {len(compiled.html.encode()) / 1024:.1f} KB; message: {size / 1024:.1f} KB")
        print(f"compile once per campaign version (Jinja + MJML + premailer): "
              f"median {statistics.median(compiles) * 1000:.1f} ms (min {min(compiles) * 1000:.1f})")
        print(f"encode the constant headers and body pieces once (QP): {encode_once * 1000:.1f} ms")
        print(f"per recipient (tokens + headers + spliced QP bytes), CPU: "
              f"median {statistics.median(runs) * 1e6:.1f} µs (min {min(runs) * 1e6:.1f}) "
              f"over {args.recipients} recipients x 5")
        print(f"8bit (relay with 8BITMIME): cut once {cut_once * 1000:.1f} ms; message {size_8bit / 1024:.1f} KB "
              f"({size_8bit / size - 1:+.1%}); per recipient CPU median {statistics.median(runs_8bit) * 1e6:.1f} µs")
        print(f"DKIM Ed25519 signature per message, CPU: quoted-printable {signing[False] * 1e6:.0f} µs, "
              f"8bit {signing[True] * 1e6:.0f} µs")
        print(f"obvious EmailMessage.as_bytes() on the same body: median {statistics.median(obvious) * 1e6:.0f} µs")


if __name__ == "__main__":
    main()
