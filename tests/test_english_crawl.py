"""English complete (issue #24): the admin and the public pages of the demo cycle, rendered in English the way
a reader switches (the footer's "English" link, ``?lang=en``, then its cookie), show none of the French words
of :mod:`tests.english_crawl` outside the texts the officer typed. The full crawl follows every admin link
(three pages per kind of page, about sixty pages in all, some 6 s with the test client: not marked slow); the
short one renders the pages the issue names and checks they show the English it asked for."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Cycle, Subscriber

from tests.conftest import login
from tests.english_crawl import crawl, demo_texts, french_words, seed, visible_text


def _switch_to_english(client) -> None:
    response = client.get("/admin/?lang=en")
    assert response.status_code == 200 and 'lang="en"' in response.get_data(as_text=True)


def _french_on(pages: dict[str, tuple[int, str]]) -> dict[str, list[str]]:
    typed = demo_texts()
    found = {}
    for path, (status, html) in pages.items():
        if status != 200:
            found[path] = [f"HTTP {status}"]
            continue
        if not html:
            continue
        if '<html lang="en"' not in html and not path.startswith("/c/"):  # the web view is the (French) message
            found[path] = ["<html> not English"]
            continue
        text = visible_text(html)
        if len(text.split()) < 10 and not path.startswith("/c/"):  # a reader that lost the page proves nothing
            found[path] = [f"only {len(text.split())} words read"]
            continue
        words = french_words(text, typed)
        if words:
            found[path] = sorted(set(words))
    return found


def test_the_word_check_can_fail():
    """French words are found, the officer's own texts are not, and an English date passes."""
    typed = demo_texts()
    html = ('<html lang="en"><body><p>Journée 1 — jeudi 10 mars 2016</p><p lang="fr">matin</p>'
            '<p title="après-midi">x</p><p>Thursday, March 10, 2016</p>'
            '<p>Comment faire vivre un contrat de ville :</p><textarea>places restantes</textarea></body></html>')
    assert sorted(french_words(visible_text(html), typed)) == ["Journée", "après-midi", "jeudi", "mars"]


def test_a_handful_of_pages_are_english(client, admin_user):
    public = seed(admin_user.email)
    login(client, admin_user.email)
    _switch_to_english(client)
    cycle_id = db.session.scalar(select(Cycle.id))
    person_id = db.session.scalar(select(Subscriber.id).where(Subscriber.email == "marie@example.org"))
    paths = ["/admin/", "/admin/events", f"/admin/events/{cycle_id}", f"/admin/events/{cycle_id}/attendance",
             f"/admin/events/{cycle_id}/survey", f"/admin/subscribers/{person_id}", "/admin/subscribers",
             "/admin/suppressions", public["registration form"], public["manage registration"]]
    pages = {path: (r.status_code, r.get_data(as_text=True)) for path in paths for r in [client.get(path)]}
    assert _french_on(pages) == {}
    # The pages are really English, and show what the issue found French (a check of nothing proves nothing).
    form = visible_text(pages[public["registration form"]][1])
    assert "Day 1 — Thursday, March " in form and "PM" in form and "28 seats left" in form
    history = visible_text(pages[f"/admin/subscribers/{person_id}"][1])
    assert "Registered for a cycle by admin@example.org" in history
    attendance = visible_text(pages[f"/admin/events/{cycle_id}/attendance"][1])
    assert "morning" in attendance and "afternoon" in attendance and "present" in attendance
    survey = visible_text(pages[f"/admin/events/{cycle_id}/survey"][1])
    assert "Whole cycle" in survey and "Day 1 — after Thursday, March " in survey


def test_every_admin_and_public_page_is_english(client, admin_user):
    public = seed(admin_user.email)
    login(client, admin_user.email)
    _switch_to_english(client)
    pages = crawl(client, ["/admin/", *public.values()], max_pages=300, per_pattern=3, max_depth=4)
    found = _french_on(pages)
    print(f"{len(pages)} pages:\n" + "\n".join(pages))
    assert len(pages) >= 55 and set(public.values()) <= set(pages)
    assert found == {}, "\n".join(f"{path}: {words}" for path, words in found.items())

