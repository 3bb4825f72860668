"""French typography (app.message.typography) and where it is applied: every email, French web pages."""
from __future__ import annotations

import email
import io
import re
from email import policy

import lxml.html
import pytest
from pypdf import PdfReader

from app.services import demo
from app.services.demo import CAMPAIGN_SLUG, load_seed_cycle as load_cycle
from app.extensions import db
from app.message import render
from app.message.builder import Recipient
from app.message.typography import NBSP, NNBSP, french_spacing, french_spacing_html, wrap_text_part
from app.models import Campaign, CampaignTemplate, Cycle, MailingList, Subscriber
from app.sending.compose import builder_for
from app.sending.transactional import build_transactional
from app.services.events.certificates import attendance_sheet_pdf
from tests.emailcheck import html_text

URL = re.compile(r"(?:https?://|mailto:)\S+")


# --- french_spacing --------------------------------------------------------------

@pytest.mark.parametrize("before,after", [
    ("entre les équipes ?", f"entre les équipes{NNBSP}?"),
    ("Lieu : CRPVE", f"Lieu{NNBSP}: CRPVE"),
    ("GUP ; suite", f"GUP{NNBSP}; suite"),
    ("Enfin !", f"Enfin{NNBSP}!"),
    ("Vraiment ?!", f"Vraiment{NNBSP}?!"),
    (f"déjà{NBSP}: insécable", f"déjà{NNBSP}: insécable"),  # an existing no-break space becomes the narrow one
    ("« de droit commun »", f"«{NNBSP}de droit commun{NNBSP}»"),
    ("«droit»", f"«{NNBSP}droit{NNBSP}»"),  # guillemets get their space even where there was none
    ("de 10 h 00 à 17 h", f"de 10{NBSP}h{NBSP}00 à 17{NBSP}h"),
    ("jeudi 4 février 2027", f"jeudi 4{NBSP}février{NBSP}2027"),
    ("le 1er mars", f"le 1er{NBSP}mars"),
    ("1 200 personnes, 3 500 000 €", f"1{NNBSP}200 personnes, 3{NNBSP}500{NNBSP}000{NBSP}€"),
    ("50 %", f"50{NBSP}%"),
    ("tél. 01 64 97 00 32", f"tél. 01{NBSP}64{NBSP}97{NBSP}00{NBSP}32"),
])
def test_spaces_become_no_break(before, after):
    assert french_spacing(before) == after
    assert french_spacing(after) == after  # idempotent


@pytest.mark.parametrize("text", [
    "mailto:chmission1@crpve91.fr",
    "http://localhost:5000/admin",
    "https://x.fr:8443/a?b=1&c=2",
    "à 10:00 précises",
    "un ratio 1:2",
    "+33 1 64 97 00 32",  # (only the national form is tied together)
    "91000 EVRY",
    "en 2016 100 personnes",  # no group glued to a year
    "Question?",  # no space written: none is added before ? ! ; :
    "Note: English-style",
    "3 heures",
    "Registration: open",
])
def test_left_alone(text):
    assert french_spacing(text) == text


def test_urls_are_never_touched():
    text = "Voir : https://a.fr/page?q=1&r=2 ; ou https://b.fr/4 février"
    assert french_spacing(text) == f"Voir{NNBSP}: https://a.fr/page?q=1&r=2{NNBSP}; ou https://b.fr/4 février"


# --- french_spacing_html -----------------------------------------------------------

def test_html_changes_text_nodes_only():
    html = ('<html><head><title>A : b</title><style>a:hover{color:red}</style></head><body>'
            '<p title="Note : x" data-x="y ?">Lieu :<a href="https://x.fr/?a=1">Des questions ?</a></p>'
            '<textarea name="n">Mon texte : tel quel</textarea><pre>code : x</pre>'
            '<script src="/static/x.js"></script><script>var a = b ? c : d;</script>'
            '<!--[if mso]><p>Outlook : oui</p><![endif]-->'
            '<p>agglomérations\n  : identification&nbsp;: ok &amp; fin</p></body></html>')
    out = french_spacing_html(html)
    assert f"Lieu{NNBSP}:<a" in out and f"Des questions{NNBSP}?</a>" in out
    assert f"agglomérations{NNBSP}: identification{NNBSP}: ok &amp; fin" in out
    for kept in ('title="Note : x"', 'data-x="y ?"', "<title>A : b</title>", "a:hover{color:red}",
                 "<textarea name=\"n\">Mon texte : tel quel</textarea>", "<pre>code : x</pre>",
                 "var a = b ? c : d;", "<!--[if mso]><p>Outlook : oui</p><![endif]-->", 'href="https://x.fr/?a=1"'):
        assert kept in out
    assert french_spacing_html(out) == out


# --- wrap_text_part ---------------------------------------------------------------------

def test_urls_go_on_their_own_lines_and_prose_wraps():
    long_item = ("- une entrée de liste assez longue pour dépasser la largeur de soixante-dix-huit caractères, "
                 "voir https://www.crpve91.fr/agenda/2027/contrat-de-ville.")
    text = "\n".join([
        "Titre",
        "-----",
        "",
        f"Inscrivez-vous{NNBSP}: https://lettrine.test/inscription/contrat-de-ville-2016",
        long_item,
        "- court",
        "  • sous-point court",
        "https://lettrine.test/une/adresse/tres/longue/" + "x" * 90,
        "",
        "--",
        f"Si vous souhaitez ne plus recevoir de messages du CRPVE, cliquez ici{NNBSP}: LTRNxUNSUBSCRIBEx",
    ])
    out = wrap_text_part(text, 78, ["LTRNxUNSUBSCRIBEx"])
    lines = out.split("\n")
    assert lines[:4] == ["Titre", "-----", "", f"Inscrivez-vous{NNBSP}:"]
    assert lines[4] == "https://lettrine.test/inscription/contrat-de-ville-2016"
    item = lines[5:lines.index("- court")]
    assert item[0].startswith("- une entrée") and all(line.startswith("  ") for line in item[1:])
    assert "  https://www.crpve91.fr/agenda/2027/contrat-de-ville." in item  # its closing full stop kept
    assert "  • sous-point court" in lines
    assert "--" in lines
    assert lines[-2:] == [f"Si vous souhaitez ne plus recevoir de messages du CRPVE, cliquez ici{NNBSP}:",
                          "LTRNxUNSUBSCRIBEx"]
    for line in lines:
        assert len(line) <= 78 or re.fullmatch(r"\s*https://\S+", line)
    assert wrap_text_part(out, 78, ["LTRNxUNSUBSCRIBEx"]) == out


def test_punctuation_after_a_url_stays_on_its_line():
    text = f"Le programme (https://www.crpve91.fr/programme){NNBSP}; la salle est au rez-de-chaussée, à gauche."
    assert wrap_text_part(text).split("\n") == [
        "Le programme (",
        f"https://www.crpve91.fr/programme){NNBSP};",
        "la salle est au rez-de-chaussée, à gauche.",
    ]


def test_short_lines_without_url_are_kept_and_long_words_not_broken():
    text = "Une ligne courte.\n\n  indentée\n" + "a" * 100
    assert wrap_text_part(text) == text


# --- English is left alone ----------------------------------------------------------------

def test_english_rendering_gets_no_french_spacing():
    assert render.md_text("Question : oui ?", french=False) == "Question : oui ?"
    assert render.md_text("Question : oui ?") == f"Question{NNBSP}: oui{NNBSP}?"


def test_md_text_never_wraps_before_a_colon():
    source = ("- Analyse des relations avec les services des communes et des agglomérations : identification "
              "des freins")
    out = render.md_text(source)
    assert not any(line.strip().startswith((":", "?", NNBSP)) for line in out.split("\n"))
    assert f"agglomérations{NNBSP}:" in out


# --- the real announcement ------------------------------------------------------------

@pytest.fixture
def demo_cycle(app):
    demo.load_base()
    load_cycle()
    return db.session.query(Cycle).one()


def _parts(raw: bytes) -> tuple[str, str]:
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert all(not p.defects for p in msg.walk())
    text = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")
    return text, msg.get_body(("html",)).get_content()


def check_text_part(text: str) -> None:
    """No line of prose over 78 characters; every URL alone on its line (a closing mark may follow)."""
    for line in text.split("\n"):
        urls = URL.findall(line)
        if urls:
            rest = URL.sub("", line).strip()
            assert len(urls) == 1 and not re.search(r"\w", rest), line
        else:
            assert len(line) <= 78, line
    assert "\n--\n" in text  # the signature line is still there


def test_announcement_typography(demo_cycle):
    campaign = db.session.query(Campaign).filter_by(slug=CAMPAIGN_SLUG).one()
    sub = db.session.query(Subscriber).filter_by(email="chef.projet@example.org").one()
    raw = builder_for(campaign).build(Recipient(sub.id, sub.uid, sub.email, sub.first_name, sub.last_name)).raw
    assert b'Content-Type: text/plain; charset="utf-8"' in raw and b"=E2=80=AF" in raw  # U+202F, quoted-printable
    text, html = _parts(raw)
    visible = html_text(html)
    titles = [j.title for j in demo_cycle.journees if "?" in j.title]
    assert len(titles) >= 2
    for title in titles:
        spaced = french_spacing(title)
        assert spaced.endswith(f"{NNBSP}?")
        assert spaced in visible and spaced in text, title
    for part in (text, visible):
        assert not re.findall(r".{20}[ \u00a0][?!;:](?=\s|$)", part, flags=re.M)  # no breakable space left
        assert f"10{NBSP}mars{NBSP}2016 de 10{NBSP}h{NBSP}00 à 17{NBSP}h{NBSP}00" in part
        assert f"«{NNBSP}de droit commun{NNBSP}»" in part
    check_text_part(text)
    assert not re.findall(r"(?m)^\s*[?!;:](?:\s|$).*", text)  # no line starts with a lone "?" or ":"
    lines = text.split("\n")
    footer = lines[lines.index("--"):]
    assert footer[1].endswith(f"cliquez ici{NNBSP}:") and footer[2].startswith("https://lettrine.test/u/")
    assert footer[3].endswith(f"abonné·e{NNBSP}:") and footer[4].startswith("https://lettrine.test/p/")
    # the HTML's attributes are untouched: the links are the same as before typography
    hrefs = [a.get("href") for a in lxml.html.fromstring(html).xpath("//a")]
    assert all(re.match(r"(https://|mailto:|tel:)\S+\Z", h) for h in hrefs)


# --- every other email kind ----------------------------------------------------------------

def test_every_other_email_obeys_the_text_rules(demo_cycle):
    lst = db.session.query(MailingList).one()
    journee = demo_cycle.journees[2]
    reminder = Campaign(slug="rappel-j3", name="Rappel J3", subject="Rappel", preheader="Jeudi 26 mai",
                        template=CampaignTemplate.REMINDER, journee_id=journee.id, cycle_id=demo_cycle.id,
                        reminder_days_before=7)
    newsletter = Campaign(slug="lettre", name="Lettre", subject="La lettre", preheader="Nouvelles",
                          template=CampaignTemplate.NEWSLETTER, content={"blocks": [
                              {"type": "text", "text": "Des questions ? Écrivez-nous : [le site du CRPVE, avec "
                                                       "un libellé de lien assez long](https://www.crpve91.fr/contact)"},
                              {"type": "button", "label": "Lire la suite", "url": "https://www.crpve91.fr/actu"},
                              {"type": "event", "cycle_id": demo_cycle.id}]})
    for campaign in (reminder, newsletter):
        campaign.lists.append(lst)
        db.session.add(campaign)
    db.session.commit()
    texts = {}
    for campaign in (reminder, newsletter):
        texts[campaign.slug] = _parts(builder_for(campaign).build(Recipient(1, "u1", "a@example.org", "Zoé")).raw)
    journees = demo_cycle.journees
    contexts = {
        "subscription_confirmation": {"subject": "Confirmez", "first_name": "Éloïse", "lists": ["Formations"],
                                      "confirm_url": "https://lettrine.test/confirm/" + "a" * 120},
        "registration_confirmation": {"subject": "Inscription", "first_name": "Anne", "cycle": demo_cycle,
                                      "journees": journees[:2], "waiting": journees[3:],
                                      "manage_url": "https://lettrine.test/r/" + "t" * 100, "has_calendar": True},
        "registration_update": {"subject": "Modification", "first_name": "Anne", "cycle": demo_cycle,
                                "journees": journees[:1], "waiting": [], "changes": "Vous êtes désinscrite : merci.",
                                "manage_url": "https://lettrine.test/r/" + "t" * 100},
        "data_export": {"subject": "Vos données", "export_url": "https://lettrine.test/export/" + "x" * 100},
        "survey_invitation": {"subject": "Votre avis", "first_name": "Paul", "cycle": demo_cycle, "journee": journee,
                              "survey_url": "https://lettrine.test/avis/" + "s" * 100},
        "certificate": {"subject": "Attestation", "first_name": "Paul", "cycle": demo_cycle, "total": "6 h 30",
                        "certificate_url": "https://lettrine.test/attestation/" + "c" * 100},
    }
    for kind, context in contexts.items():
        texts[kind] = _parts(build_transactional(kind, "x@example.org", context).raw)
    for kind, (text, html) in texts.items():
        check_text_part(text)
        assert NNBSP in text and NNBSP in html_text(html), kind
    assert f"(6{NBSP}h{NBSP}30 suivies)" in texts["certificate"][0]
    assert f"Des questions{NNBSP}? Écrivez-nous{NNBSP}:" in texts["lettre"][0]


# --- PDF documents ------------------------------------------------------------------------

def test_attendance_sheet_pdf_typesets_the_journee_titles(demo_cycle):
    reader = PdfReader(io.BytesIO(attendance_sheet_pdf(demo_cycle, 1)))
    text = reader.pages[0].extract_text()
    assert f"entre les équipes{NNBSP}?" in text
    assert "équipes ?" not in text


# --- web pages --------------------------------------------------------------------------

def test_public_page_has_french_spacing(demo_cycle, client):
    page = client.get(f"/inscription/{demo_cycle.slug}")
    assert page.status_code == 200 and page.mimetype == "text/html"
    body = page.get_data(as_text=True)
    assert f"Inscription{NNBSP}: " in body and f"Lieu{NNBSP}: " in body
    assert "Inscription : " not in body and "Lieu : " not in body


def test_english_page_has_no_french_spacing(demo_cycle, client):
    # (alone in its test: the test app context is shared by its requests, and Flask-Babel caches the locale on it)
    english = client.get(f"/inscription/{demo_cycle.slug}?lang=en").get_data(as_text=True)
    assert "<h1>" in english and NNBSP not in english


def test_admin_page_french_only_and_json_untouched(admin_client, demo_cycle):
    page = admin_client.get(f"/admin/events/{demo_cycle.id}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and NNBSP in body
    assert not re.search(r"<(?:input|textarea)[^>]*\u202f", body)  # form values are never changed
    health = admin_client.get("/healthz")
    assert NNBSP not in health.get_data(as_text=True)
