"""app.message writes in the language its caller passes (a Babel catalogue), with no Flask anywhere.

No application here: the English catalogue is loaded straight from app/translations with
Babel, as any caller could, and the same message is rendered, built and checked in French
and in English. The French output must be what the application sends (the other render
tests check it in depth); the English output must come from the passed catalogue alone.
"""
from __future__ import annotations

import email
import hashlib
from email import policy
from pathlib import Path

import pytest
from babel.support import Translations

from app.message.builder import CampaignMessageBuilder, CampaignSettings, Recipient, TokenSigner
from app.message.language import FRENCH, Language
from app.message.preflight import Report, check_message
from app.message.render import compile_email, greeting_for, render_pair
from app.message.typography import NNBSP
from config import Organisation

TRANSLATIONS = Path(__file__).resolve().parents[1] / "app" / "translations"


@pytest.fixture(scope="module")
def english() -> Language:
    catalogue = Translations.load(str(TRANSLATIONS), ["en"])
    assert isinstance(catalogue, Translations), "compile the catalogue first: pybabel compile -d app/translations"
    return Language("en", catalogue)


def newsletter_context() -> dict:
    return {
        "org": Organisation(),
        "subject": "Lettre du CRPVE",
        "preheader": "Les nouvelles du mois",
        "greeting": "LTRNxGREETINGx",
        "webview_url": "https://lettrine.test/w/lettre",
        "unsubscribe_url": "https://lettrine.test/u/jeton",
        "preferences_url": "https://lettrine.test/p/jeton",
        "blocks": [
            {"type": "greeting"},  # where the letter greets (a block since issue #24)
            {"type": "title", "text": "Les nouvelles"},
            {"type": "text", "text": "Question : qui vient ?"},
            {"type": "event", "journee": None,
             "cycle": {"title": "Cycle", "subtitle": "GUP", "kicker": "", "period": "", "journees": [],
                       "registration_url": "https://lettrine.test/inscription/gup"}},
        ],
    }


def test_the_same_newsletter_in_french_and_in_english(english):
    context = newsletter_context()
    html_fr, text_fr = render_pair("newsletter", context, FRENCH)
    html_en, text_en = render_pair("newsletter", context, english)

    # French: the msgids themselves, with French typography on the prose.
    assert "Inscrivez-vous" in text_fr and "Voir la version en ligne" in text_fr
    assert f"Question{NNBSP}: qui vient{NNBSP}?" in text_fr
    assert "Inscrivez-vous" in html_fr
    # English: every template string from the catalogue, and no French spacing anywhere.
    assert "Register : https://lettrine.test/inscription/gup" in text_en
    assert "Inscrivez-vous" not in text_en and "Inscrivez-vous" not in html_en
    assert "Register" in html_en
    assert NNBSP not in text_en and NNBSP not in html_en
    assert "Question : qui vient ?" in text_en
    # The typed content is not translated (it is the officer's text), in either language.
    assert "Les nouvelles" in text_en and "Les nouvelles" in text_fr


def test_the_default_is_french():
    """Callers that pass nothing get the msgids' own language (and the default catalogue is empty)."""
    context = newsletter_context()
    assert render_pair("newsletter", context) == render_pair("newsletter", context, FRENCH)
    assert greeting_for("Zoé") == "Bonjour Zoé,"
    assert greeting_for("  ") == "Bonjour,"


def test_greeting_and_compiled_message_follow_the_language(english):
    assert greeting_for("Zoé", english) == "Hello Zoé,"
    compiled = compile_email("newsletter", newsletter_context(), "Newsletter", "News", language=english)
    assert "Register" in compiled.text and "Inscrivez-vous" not in compiled.text


def _signer() -> TokenSigner:
    return TokenSigner(b"k" * 20, b".", hashlib.sha1)


def _settings(language: Language) -> CampaignSettings:
    return CampaignSettings(
        campaign_id=7, fingerprint="v1", from_name="CRPVE", from_address="formations@crpve91.fr",
        return_address="formations@crpve91.fr", reply_to="", subject="Lettre du CRPVE",
        list_id='"Formations" <formations.lists.crpve91.fr>', unsubscribe_mailto="", domain="crpve91.fr",
        bounce_domain="", webview_url="https://lettrine.test/w/lettre", unsubscribe_base="https://lettrine.test/u/",
        preferences_base="https://lettrine.test/p/", message_id_key="secret-key-0123456789abcdef0123456789",
        sign_unsubscribe=_signer(), sign_preferences=_signer(), sign_bounce=_signer(), sign_prefill=_signer(),
        language=language,
    )


@pytest.mark.parametrize("code,greeting", [("fr", "Bonjour Zoé,"), ("en", "Hello Zoé,")])
def test_the_builder_greets_in_the_settings_language(english, code, greeting):
    language = FRENCH if code == "fr" else english
    compiled = compile_email("newsletter", newsletter_context(), "Lettre", "Nouvelles", language=language)
    builder = CampaignMessageBuilder(_settings(language), compiled)
    raw = builder.build(Recipient(1, "uid1", "zoe@example.org", "Zoé", "Martin")).raw
    msg = email.message_from_bytes(raw, policy=policy.default)
    text = msg.get_body(("plain",)).get_content()
    assert text.splitlines()[text.splitlines().index(greeting)] == greeting
    # A test send keeps the language.
    assert greeting in builder.marked_as_test().values_for(Recipient(1, "uid1", "z@example.org", "Zoé"))["greeting"]


def test_preflight_report_in_the_language_passed(english):
    raw = b"From: a@example.org\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n\r\n"
    french = check_message(raw, "Objet", "", Report())
    english_report = check_message(raw, "Objet", "", Report(), language=english)
    assert "Le message n'a pas de partie HTML." in french.errors
    assert "The message has no HTML part." in english_report.errors
    assert len(french.errors) == len(english_report.errors) and len(french.warnings) == len(english_report.warnings)
    assert not any("Le message" in e for e in english_report.errors)

