"""The officer acting on one person (add, edit, lists, unsubscribe / resubscribe, suppress,
erase), the suppression list (addresses and domains), lists (rename, archive, delete),
the accent-free search, the CLI, and the audit in plain French."""
from __future__ import annotations

import email
import html as html_lib
import io
import re
from email import policy

from sqlalchemy import select

from app import links
from app.extensions import db
from app.models import (
    AuditLog,
    Campaign,
    Delivery,
    MailingList,
    Registration,
    RegistrationDay,
    RegistrationStatus,
    Subscriber,
    SubscriberStatus,
    SubscriberTerm,
    Subscription,
    SubscriptionStatus,
    Suppression,
    SuppressionReason,
    SuppressedDomain,
    TransactionalMessage,
    email_hash,
)
from app.sending.queue import audience_query, enqueue, recipients
from app.services.audience import people
from app.services.audience.importer import import_csv
from app.services.audience.search import search_subscribers
from tests.event_factories import future_dates, make_cycle

OFFICER = "admin@example.org"


def _list(slug: str = "formations", name: str = "Formations CRPVE") -> MailingList:
    ml = MailingList(slug=slug, name=name)
    db.session.add(ml)
    db.session.commit()
    return ml


def _history(client, person_id: int) -> list[str]:
    html = client.get(f"/admin/subscribers/{person_id}").get_data(as_text=True)
    return [html_lib.unescape(re.sub(r"\s+", " ", t).strip()) for t in re.findall(r'<tr data-action="[^"]+"><td>[^<]*</td><td>([^<]+)</td>', html)]


def test_add_a_person_by_hand_records_team_consent_and_who(admin_client):
    ml = _list()
    response = admin_client.post("/admin/subscribers/new", data={
        "email": " Helene.Lefevre@Mairie-Evry.fr ", "first_name": "Hélène", "last_name": "Lefèvre",
        "organisation": "Mairie d'Évry", "commune": "Évry-Courcouronnes", "lists": [str(ml.id)]})
    assert response.status_code == 303
    person = db.session.scalar(select(Subscriber).where(Subscriber.email == "Helene.Lefevre@mairie-evry.fr"))  # as typed
    sub = db.session.scalar(select(Subscription).where(Subscription.subscriber_id == person.id))
    assert sub.status == SubscriptionStatus.CONFIRMED and sub.consent_source == "ajout par l'équipe"
    assert OFFICER in sub.consent_text
    assert _history(admin_client, person.id)[:2] == [
        f"Abonné·e à la liste « Formations CRPVE » par {OFFICER}", f"Ajouté·e à la main par {OFFICER}"]
    again = admin_client.post("/admin/subscribers/new", data={"email": "helene.lefevre@mairie-evry.fr"})
    assert "est déjà enregistré·e" in again.get_data(as_text=True)
    bad = admin_client.post("/admin/subscribers/new", data={"email": "pas-une-adresse", "first_name": "X"})
    assert "Adresse invalide" in bad.get_data(as_text=True) and 'value="X"' in bad.get_data(as_text=True)


def test_search_is_accent_and_case_free_across_names_organisation_and_commune(admin_client):
    ml = _list()
    rows = ("email;prénom;nom;organisme;commune\n"
            "h.lefevre@evry.fr;Hélène;Lefèvre;Mairie d'Évry;Évry-Courcouronnes\n"
            "j.martin@grigny.fr;Jérôme;Martin;Grand Paris Sud;Grigny\n"
            "m.dupont@corbeil.fr;Marie;DUPONT;Mairie de Corbeil;Corbeil-Essonnes\n")
    import_csv(io.BytesIO(rows.encode()), ml, file_name="t.csv", actor="t")

    def found(q: str, **kw) -> list[str]:
        return sorted(p.email for p in search_subscribers(q, **kw).rows)

    assert found("lefevre") == ["h.lefevre@evry.fr"]
    assert found("LEFÈV") == ["h.lefevre@evry.fr"]
    assert found("helene") == ["h.lefevre@evry.fr"]
    assert found("mairie") == ["h.lefevre@evry.fr", "m.dupont@corbeil.fr"]
    assert found("mairie corbeil") == ["m.dupont@corbeil.fr"]
    assert found("evry") == ["h.lefevre@evry.fr"]
    assert found("essonnes") == ["m.dupont@corbeil.fr"]
    assert found("grand paris") == ["j.martin@grigny.fr"]
    assert found("j.martin@") == ["j.martin@grigny.fr"]
    assert found("zzz") == []
    # An edit made by the officer is searchable at once (the index follows ORM changes).
    person = db.session.scalar(select(Subscriber).where(Subscriber.email == "j.martin@grigny.fr"))
    people.update_person(person, {"organisation": "Préfecture de l'Essonne"}, actor=OFFICER)
    assert found("prefecture") == ["j.martin@grigny.fr"] and found("grand paris") == []
    page = admin_client.get("/admin/subscribers?q=lefevre").get_data(as_text=True)
    assert "h.lefevre@evry.fr" in page
    # An import that fills a known person's empty organisation indexes it too (bulk path).
    import_csv(io.BytesIO("email;organisme\nm.dupont@corbeil.fr;Conseil départemental\n".encode()), ml,
               file_name="t2.csv", actor="t")
    assert found("departemental") == []  # never overwritten: Marie already has an organisation
    import_csv(io.BytesIO("email;prénom;organisme\nnouvelle@exemple.fr;Anaïs;Conseil départemental\n".encode()),
               ml, file_name="t3.csv", actor="t")
    assert found("anais") == ["nouvelle@exemple.fr"] and found("departemental") == ["nouvelle@exemple.fr"]
    people.add_person("sans.orga@exemple.fr", {"last_name": "Roché"}, [], actor=OFFICER)
    import_csv(io.BytesIO("email;organisme\nsans.orga@exemple.fr;Préfecture de police\n".encode()), ml,
               file_name="t4.csv", actor="t")
    assert found("police") == ["sans.orga@exemple.fr"] and found("roche") == ["sans.orga@exemple.fr"]


def test_unsubscribe_resubscribe_suppress_and_erase_from_the_subscriber_page(admin_client):
    ml = _list()
    person = people.add_person("marc@exemple.fr", {"first_name": "Marc"}, [ml], actor=OFFICER)
    other = people.add_person("lea@exemple.fr", {"first_name": "Léa"}, [ml], actor=OFFICER)
    page = admin_client.get(f"/admin/subscribers/{person.id}").get_data(as_text=True)
    assert "Désabonner de toutes les listes" in page and "Exporter ses données" in page

    assert admin_client.post(f"/admin/subscribers/{person.id}/unsubscribe").status_code == 303
    db.session.expire_all()
    assert person.status == SubscriberStatus.UNSUBSCRIBED
    assert db.session.get(Suppression, email_hash("marc@exemple.fr")).reason == SuppressionReason.UNSUBSCRIBED
    assert f"Désabonné·e de toutes les listes par {OFFICER}" in _history(admin_client, person.id)

    assert admin_client.post(f"/admin/subscribers/{person.id}/resubscribe").status_code == 303
    db.session.expire_all()
    assert person.status == SubscriberStatus.ACTIVE and db.session.get(Suppression, email_hash("marc@exemple.fr")) is None
    sub = db.session.scalar(select(Subscription).where(Subscription.subscriber_id == person.id))
    assert sub.status == SubscriptionStatus.CONFIRMED and OFFICER in sub.consent_text

    admin_client.post(f"/admin/subscribers/{person.id}/suppress", data={"note": "demande par téléphone"})
    assert db.session.get(Suppression, email_hash("marc@exemple.fr")).reason == SuppressionReason.MANUAL
    assert "marc@exemple.fr" in admin_client.get("/admin/suppressions").get_data(as_text=True)
    admin_client.post(f"/admin/subscribers/{person.id}/unsuppress")
    assert db.session.get(Suppression, email_hash("marc@exemple.fr")) is None
    history = _history(admin_client, person.id)
    assert f"Retiré·e de la liste d'exclusion par {OFFICER}" in history
    assert f"Ajouté·e à la liste d'exclusion par {OFFICER}" in history

    admin_client.post(f"/admin/subscribers/{person.id}/lists", data={})
    db.session.expire_all()
    assert sub.status == SubscriptionStatus.UNSUBSCRIBED
    admin_client.post(f"/admin/subscribers/{person.id}/edit", data={"email": "marc@exemple.fr", "last_name": "Lévêque"})
    assert "Fiche modifiée (nom) par " + OFFICER in _history(admin_client, person.id)

    assert admin_client.post(f"/admin/subscribers/{other.id}/erase", data={"confirm": "1"}).status_code == 303
    db.session.expire_all()
    assert other.status == SubscriberStatus.ERASED and other.email is None
    assert db.session.scalars(select(SubscriberTerm).where(SubscriberTerm.subscriber_id == other.id)).all() == []


def test_suppression_list_page_addresses_and_domains(admin_client):
    ml = _list()
    kept = people.add_person("ok@vivant.fr", {}, [ml], actor=OFFICER)
    gone = people.add_person("agent@ancienne-asso.fr", {}, [ml], actor=OFFICER)
    response = admin_client.post("/admin/suppressions", data={
        "values": "@Ancienne-Asso.fr\ninconnu@exemple.fr\npas une adresse", "note": "association dissoute"})
    assert response.status_code == 303
    assert db.session.get(SuppressedDomain, "ancienne-asso.fr").reason == "association dissoute"
    assert db.session.get(Suppression, email_hash("inconnu@exemple.fr")).reason == SuppressionReason.MANUAL
    page = admin_client.get("/admin/suppressions").get_data(as_text=True)
    assert "@ancienne-asso.fr" in page and "adresse non conservée" in page and "domaine invalide" in page
    assert "inconnu" not in admin_client.get("/admin/suppressions?reason=domain").get_data(as_text=True)
    # A suppressed domain leaves the audience and is skipped at send time.
    campaign = Campaign(slug="c", name="C", subject="S", lists=[ml])
    db.session.add(campaign)
    db.session.commit()
    assert set(db.session.scalars(audience_query(campaign))) == {kept.id}
    assert set(recipients(campaign, [kept.id, gone.id])) == {kept.id}
    with_person = admin_client.post("/admin/subscribers/new", data={"email": "autre@ancienne-asso.fr"})
    assert "est sur la liste d&#39;exclusion" in with_person.get_data(as_text=True)
    admin_client.post("/admin/suppressions/remove", data={"kind": "domain", "key": "ancienne-asso.fr"})
    assert set(recipients(campaign, [kept.id, gone.id])) == {kept.id, gone.id}


def test_lists_rename_archive_and_delete_refused_while_used(admin_client):
    used, spare = _list("a", "Liste A"), _list("b", "Liste B")
    people.add_person("x@exemple.fr", {}, [used, spare], actor=OFFICER)
    db.session.add(Campaign(slug="c", name="Lettre de mars", subject="S", lists=[used]))
    db.session.commit()
    admin_client.post(f"/admin/lists/{used.id}/edit", data={"name": "Partenaires", "description": "Nos partenaires"})
    page = admin_client.get(f"/admin/lists/{used.id}").get_data(as_text=True)
    assert "Partenaires" in page and "x@exemple.fr" in page
    refused = admin_client.post(f"/admin/lists/{used.id}/delete", follow_redirects=True).get_data(as_text=True)
    assert "utilisée par 1 campagne" in refused and db.session.get(MailingList, used.id) is not None
    admin_client.post(f"/admin/lists/{spare.id}/archive", data={"archived": "1"})
    db.session.expire_all()
    assert spare.archived_at is not None and not spare.public
    assert admin_client.post(f"/admin/lists/{spare.id}/delete").status_code == 303
    assert db.session.get(MailingList, spare.id) is None


def test_unsubscribing_from_everything_keeps_the_reminders_of_a_registration(admin_client):
    ml = _list()
    person = people.add_person("inscrite@exemple.fr", {}, [ml], actor=OFFICER)
    cycle = make_cycle(dates=future_dates())
    registration = Registration(cycle=cycle, subscriber=person)
    registration.days.append(RegistrationDay(journee=cycle.journees[1], status=RegistrationStatus.CONFIRMED))
    db.session.add(registration)
    db.session.commit()
    response = admin_client.post(f"/admin/subscribers/{person.id}/unsubscribe", follow_redirects=True)
    assert "recevra les rappels de la journée 2" in response.get_data(as_text=True)
    assert "kept-reminders" in response.get_data(as_text=True)
    reminder = Campaign(slug="r", name="Rappel", subject="Rappel", cycle_id=cycle.id,
                        journee_id=cycle.journees[1].id, reminder_days_before=7)
    newsletter = Campaign(slug="n", name="Lettre", subject="Lettre", lists=[ml])
    db.session.add_all([reminder, newsletter])
    db.session.commit()
    assert enqueue(reminder) == 1 and set(recipients(reminder, [person.id])) == {person.id}
    assert enqueue(newsletter) == 0 and recipients(newsletter, [person.id]) == {}
    # The team's own exclusion stops everything, reminders included.
    db.session.query(Suppression).delete()
    db.session.add(Suppression(email_hash=person.email_hash, reason=SuppressionReason.MANUAL))
    db.session.commit()
    assert recipients(reminder, [person.id]) == {}
    assert db.session.scalar(select(Delivery.subscriber_id)) == person.id


def test_cli_add_unsubscribe_and_suppressions(cli_runner):
    _list()
    result = cli_runner.invoke(args=["subscribers", "add", "Cli@Exemple.fr", "--list", "formations",
                                     "--first-name", "Zoé", "--last-name", "Benoît"])
    assert result.exit_code == 0, result.output
    person = db.session.scalar(select(Subscriber).where(Subscriber.email == "Cli@exemple.fr"))  # as typed
    assert person.first_name == "Zoé" and search_subscribers("benoit").rows == [person]
    assert cli_runner.invoke(args=["subscribers", "add", "x@exemple.fr", "--list", "nope"]).output.strip() == \
        "Error: Liste inconnue : nope (voir « flask lists list »)"
    result = cli_runner.invoke(args=["subscribers", "unsubscribe", "cli@exemple.fr", "--list", "formations"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(Subscription.status)) == SubscriptionStatus.UNSUBSCRIBED
    result = cli_runner.invoke(args=["subscribers", "unsubscribe", "cli@exemple.fr"])
    assert "toutes les listes" in result.output
    assert cli_runner.invoke(args=["subscribers", "unsubscribe", "inconnu@exemple.fr"]).exit_code == 1
    assert cli_runner.invoke(args=["suppressions", "add", "@spam.example", "bad@exemple.fr", "--reason", "test"]).exit_code == 0
    listing = cli_runner.invoke(args=["suppressions", "list"]).output
    assert "@spam.example" in listing and "Cli@exemple.fr" in listing
    assert "Retiré" in cli_runner.invoke(args=["suppressions", "remove", "@spam.example"]).output
    assert "Error: domaine invalide" in cli_runner.invoke(args=["suppressions", "add", "pas_un_domaine"]).output
    assert db.session.scalars(select(AuditLog.action).where(AuditLog.subscriber_id == person.id)).all()


def test_public_unsubscribe_page_says_which_reminders_still_come(client):
    """The person herself is told, before and after, that her registration and its reminder stay,
    with a link to cancel the registration instead; someone without a registration is not."""
    ml = _list()
    person = people.add_person("inscrite@exemple.fr", {}, [ml], actor=OFFICER)
    other = people.add_person("lectrice@exemple.fr", {}, [ml], actor=OFFICER)
    cycle = make_cycle(dates=future_dates())
    registration = Registration(cycle=cycle, subscriber=person)
    registration.days.append(RegistrationDay(journee=cycle.journees[1], status=RegistrationStatus.CONFIRMED))
    registration.days.append(RegistrationDay(journee=cycle.journees[2], status=RegistrationStatus.CANCELLED))
    db.session.add(registration)
    db.session.commit()
    url = links.unsubscribe_url(person.uid).removeprefix(links.absolute(""))
    page = html_lib.unescape(client.get(url).get_data(as_text=True))
    assert "vous restez inscrit·e à la journée 2 du cycle" in page and "vous recevrez son rappel" in page
    assert "journée 3" not in page  # cancelled: no reminder will come
    manage = links.registration_manage_url(registration.uid).removeprefix(links.absolute(""))
    # The manage link is never on this page (a forwarded message opens it too): a button mails it to her.
    assert manage not in page and "/r/" not in page
    button = client.post(url + "/inscription", data={"registration": registration.uid})
    assert "C'est envoyé" in html_lib.unescape(button.get_data(as_text=True))
    [sent] = db.session.scalars(select(TransactionalMessage).where(
        TransactionalMessage.kind == "registration_confirmation")).all()
    body = email.message_from_bytes(sent.raw, policy=policy.default).get_body(("plain",)).get_content()
    assert sent.to_address == "inscrite@exemple.fr" and links.registration_manage_url(registration.uid) in body
    stranger = client.post(url + "/inscription", data={"registration": "not-hers"})
    assert "C'est envoyé" not in html_lib.unescape(stranger.get_data(as_text=True))
    token = client.get(url).get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    done = html_lib.unescape(client.post(url, data={"csrf_token": token, "action": "unsubscribe", "scope": "all"})
                             .get_data(as_text=True))
    assert "vous restez inscrit·e à la journée 2" in done
    assert "plus de lettres ni d'annonces" in done and "plus aucun message" not in done
    assert client.get(manage).status_code == 200  # the offered link works
    other_url = links.unsubscribe_url(other.uid).removeprefix(links.absolute(""))
    assert "kept-reminders" not in client.get(other_url).get_data(as_text=True)
