"""A person's free ``attributes`` are bounded (issue #22, "PATCH accepts unbounded attributes"): the
number of keys, a key's length, scalar values of bounded length, and the whole object's size, each
refused with a French 422 problem on PATCH and on POST, the stored attributes left as they were."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.models import MailingList, Subscriber
from tests.api_helpers import token_header

CONSENT = {"text": "J'accepte de recevoir la lettre du CRPVE.", "source": "https://www.crpve91.fr/lettre"}

TOO_MUCH = [
    ({f"k{i}": "v" for i in range(51)}, "50 attributs au plus (51 reçus)"),
    ({"x" * 101: "v"}, "un nom d'attribut fait de 1 à 100 caractères"),
    ({"service": "x" * 1001}, "« attributes.service » : 1000 caractères au plus"),
    ({"service": {"nested": {"deeper": [1, 2, 3]}}}, "pas d'objet ni de liste"),
    ({"liste": ["a", "b"]}, "pas d'objet ni de liste"),
    ({f"champ_{i:02d}": "é" * 990 for i in range(20)}, "16384 octets au plus en JSON"),
]


@pytest.fixture
def person(client):
    db.session.add(MailingList(slug="lettre", name="Lettre"))
    db.session.commit()
    made = client.post("/api/v1/subscribers", headers=token_header("subscribers:write"), json={
        "email": "d@example.org", "lists": ["lettre"], "consent": CONSENT, "double_opt_in": False,
        "attributes": {"crm_id": "X12"}})
    assert made.status_code == 201
    return made.get_json()["id"]


@pytest.mark.parametrize("attributes,words", TOO_MUCH)
def test_patch_refuses_attributes_beyond_the_bounds(client, person, attributes, words):
    answer = client.patch(f"/api/v1/subscribers/{person}", headers=token_header("subscribers:write"),
                          json={"attributes": attributes})
    assert answer.status_code == 422 and answer.content_type == "application/problem+json"
    assert words in answer.get_json()["detail"], answer.get_json()
    db.session.expire_all()
    assert db.session.get(Subscriber, person).attributes == {"crm_id": "X12"}


@pytest.mark.parametrize("attributes,words", TOO_MUCH[:1] + TOO_MUCH[-1:])
def test_create_refuses_them_too_and_so_does_a_merge_that_grows_past_them(client, person, attributes, words):
    headers = token_header("subscribers:write")
    fresh = client.post("/api/v1/subscribers", headers=headers, json={
        "email": "e@example.org", "lists": ["lettre"], "consent": CONSENT, "attributes": attributes})
    assert fresh.status_code == 422 and words in fresh.get_json()["detail"]
    assert db.session.query(Subscriber).filter_by(email="e@example.org").first() is None
    # A known person's attributes are merged: 49 new keys next to "crm_id" make 50, one more is refused.
    fits = client.post("/api/v1/subscribers", headers=headers, json={
        "email": "d@example.org", "lists": ["lettre"], "consent": CONSENT,
        "attributes": {f"k{i}": i for i in range(49)}})
    assert fits.status_code == 200 and len(fits.get_json()["attributes"]) == 50
    grows = client.post("/api/v1/subscribers", headers=headers, json={
        "email": "d@example.org", "lists": ["lettre"], "consent": CONSENT, "attributes": {"one_more": True}})
    assert grows.status_code == 422 and "50 attributs au plus (51 reçus)" in grows.get_json()["detail"]


def test_what_a_crm_really_sends_fits(client, person):
    attributes = {"crm_id": "X12", "service": "Politique de la ville", "promo": 2026, "elu": False, "note": None}
    answer = client.patch(f"/api/v1/subscribers/{person}", headers=token_header("subscribers:write"),
                          json={"attributes": attributes})
    assert answer.status_code == 200 and answer.get_json()["attributes"] == attributes
