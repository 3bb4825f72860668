"""Roles: an editor reads the API but cannot write to it from a session (marking people bounced is an
admin's act), and only an admin downloads everything held about one person."""
from __future__ import annotations

from app.extensions import db
from app.models import Subscriber, SubscriberStatus
from tests.subscribe_helpers import make_audience


def test_an_editor_session_cannot_post_to_the_api(app, editor_client):
    sub, _lists, campaign = make_audience("jean.dupont@mairie-exemple.fr")
    response = editor_client.post("/api/bounces", json={"type": "complaint", "email": sub.email})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Subscriber, sub.id).status == SubscriberStatus.ACTIVE
    assert editor_client.get(f"/api/campaigns/{campaign.id}/progress").status_code == 200  # reading is fine


def test_an_admin_session_can_with_a_json_body_only(app, admin_client):
    sub, _lists, _campaign = make_audience("jean.dupont@mairie-exemple.fr")
    form = admin_client.post("/api/bounces", data={"type": "complaint", "email": sub.email})
    assert form.status_code == 401  # a form body could come from any site
    response = admin_client.post("/api/bounces", json={"type": "complaint", "email": sub.email})
    assert response.status_code == 200
    # Accepted and recorded; an address alone carries no token of ours, so it is kept for review
    # and changes nobody (the bounce rules' attribution).
    assert response.json["results"][0]["action"] == "review"
    db.session.expire_all()
    assert db.session.get(Subscriber, sub.id).status == SubscriberStatus.ACTIVE


def test_only_an_admin_downloads_a_persons_data(app, client, admin_user, editor_user):
    from tests.conftest import login

    sub, _lists, _campaign = make_audience("jean.dupont@mairie-exemple.fr")
    login(client, editor_user.email)
    assert client.get(f"/admin/subscribers/{sub.id}/export.json").status_code == 403
    client.post("/admin/logout")
    login(client, admin_user.email)
    response = client.get(f"/admin/subscribers/{sub.id}/export.json")
    assert response.status_code == 200 and response.json["subscriber"]["email"] == sub.email
