"""CSV import: the files the CRPVE really has, exact counts and messages, no good row lost."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    AuditLog,
    MailingList,
    Subscriber,
    SubscriberStatus,
    Subscription,
    SubscriptionStatus,
    SuppressionReason,
    email_hash,
)
from app.services.audience.core import Consent, set_subscription, suppress
from app.services.audience.importer import ImportFileError, import_csv
from tests.conftest import FIXTURES
from tests.sending_fixtures import deliver_queued

CSV = FIXTURES / "csv"


@pytest.fixture
def formations(app):
    ml = MailingList(slug="formations", name="Formations CRPVE")
    db.session.add(ml)
    db.session.commit()
    return ml


def run(data: bytes | str, ml, *, encoding="utf-8", name="test.csv", **kw):
    if isinstance(data, str):
        data = data.encode(encoding)
    return import_csv(io.BytesIO(data), ml, file_name=name, actor="tester", **kw)


def run_file(path, ml, **kw):
    with open(path, "rb") as fh:
        return import_csv(fh, ml, file_name=path.name, actor="tester", **kw)


def person(email: str) -> Subscriber:
    """The person holding this address, whatever its spelling (stored as first typed)."""
    return db.session.scalar(select(Subscriber).where(Subscriber.email_hash == email_hash(email)))


def members(ml, status=SubscriptionStatus.CONFIRMED) -> set[str]:
    return set(db.session.scalars(
        select(Subscriber.email).join(Subscription).where(Subscription.list_id == ml.id, Subscription.status == status)
    ))


def test_windows_1252_semicolon_with_accents(formations):
    report = run_file(CSV / "excel-cp1252-semicolon.csv", formations)
    assert (report.encoding, report.delimiter) == ("cp1252", ";")
    assert report.counts() == {"read": 3, "created": 3, "updated": 0, "already_member": 0, "skipped_suppressed": 0,
                               "skipped_unsubscribed": 0, "invalid": 0, "duplicates": 0, "confirmations_queued": 0}
    assert report.rejections == []
    helene = person("helene.duchene@exemple.fr")
    assert (helene.first_name, helene.last_name, helene.commune) == ("Hélène", "Duchêne", "Évry-Courcouronnes")
    assert helene.attributes == {"Téléphone": "01 60 00 00 00"}
    assert helene.uid and helene.email_hash and helene.status == SubscriberStatus.ACTIVE
    assert person("francois.lefevre@exemple.fr").organisation == "Cœur d'Essonne"
    assert person("francois.lefevre@exemple.fr").function == "Coordinateur « contrat de ville »"
    assert person("zoe.martin@exemple.fr").attributes == {"Téléphone": "+33 1 00"}
    assert members(formations) == {"helene.duchene@exemple.fr", "francois.lefevre@exemple.fr", "zoe.martin@exemple.fr"}
    sub = db.session.scalar(select(Subscription).where(Subscription.subscriber_id == helene.id))
    assert sub.consent_source == "import: excel-cp1252-semicolon.csv by tester"
    assert sub.confirmed_at is not None and sub.consent_at is not None


def test_utf8_bom_comma_english_headers(formations):
    report = run_file(CSV / "utf8-bom-comma.csv", formations)
    assert (report.encoding, report.delimiter, report.created, report.read) == ("utf-8", ",", 2, 2)
    assert report.columns["email"] == "E-mail"  # the BOM is not part of the header
    laura = person("laura.kossi@exemple.org")
    assert (laura.first_name, laura.organisation, laura.function, laura.commune) == (
        "Laura", "CRPVE", "Chargée de mission", "Évry")


def test_tab_separated(formations):
    report = run_file(CSV / "tab.tsv", formations)
    assert report.delimiter == "\t" and report.created == 2
    assert person("b.tab@exemple.fr").last_name == "Côté"
    assert person("a.tab@exemple.fr").organisation == "Centre social"


def test_quoted_fields_with_separator_and_newlines_keep_physical_line_numbers(formations):
    report = run_file(CSV / "quoted-multiline.csv", formations)
    # Line 1 header; q1 spans 2-3; q2 spans 4-6; the bad row is line 7; q3 line 8.
    assert report.read == 4 and report.created == 3 and report.invalid == 1
    assert [(r.line, r.email, r.reason) for r in report.rejections] == [
        (7, "pas-une-adresse", "adresse e-mail invalide")]
    assert person("q1@exemple.fr").last_name == "Dupont; Durand"
    assert person("q1@exemple.fr").attributes == {"commentaire": "une note\r\nsur deux lignes"}
    assert person("q3@exemple.fr").last_name == 'O"Neil'


def test_empty_file_is_an_error(formations):
    with pytest.raises(ImportFileError, match="vide"):
        run_file(CSV / "empty.csv", formations)
    with pytest.raises(ImportFileError, match="vide"):
        run("\r\n\r\n", formations)


def test_header_only_file_imports_nothing(formations):
    report = run_file(CSV / "header-only.csv", formations)
    assert report.read == 0 and report.created == 0 and report.rejections == []
    summary = db.session.scalar(select(AuditLog).where(AuditLog.action == "import"))
    assert summary.detail["read"] == 0 and summary.list_id == formations.id


def test_no_email_column_is_an_error_and_writes_nothing(formations):
    with pytest.raises(ImportFileError) as exc:
        run_file(CSV / "no-email.csv", formations)
    assert "Aucune colonne d'adresse e-mail" in str(exc.value) and "Nom, Prénom, Ville" in str(exc.value)
    assert db.session.scalar(select(func.count()).select_from(Subscriber)) == 0


def test_invalid_addresses_are_reported_and_good_rows_kept(formations):
    data = ("email;nom\n"
            "bon1@exemple.fr;Un\n"
            ";Sans adresse\n"
            "deux@@exemple.fr;Deux arobases\n"
            "espace dans@exemple.fr;Espace\n"
            "\n"
            "bon2@exemple.fr;Deux\n"
            "sans-domaine@;X\n")
    report = run(data, formations)
    assert report.read == 6 and report.created == 2 and report.invalid == 4
    assert [(r.line, r.email, r.reason) for r in report.rejections] == [
        (3, "", "adresse e-mail manquante"),
        (4, "deux@@exemple.fr", "adresse e-mail invalide"),
        (5, "espace dans@exemple.fr", "adresse e-mail invalide"),
        (8, "sans-domaine@", "adresse e-mail invalide"),
    ]
    assert members(formations) == {"bon1@exemple.fr", "bon2@exemple.fr"}


def test_duplicates_in_file_are_merged_not_doubled(formations):
    data = ("Courriel;Prénom;Nom;Commune\n"
            "Jean.Dupont@Exemple.fr;Jean;;\n"
            "jean.dupont@exemple.fr;Jeannot;Dupont;Grigny\n"
            "autre@exemple.fr;A;B;C\n")
    report = run(data, formations)
    assert report.read == 3 and report.created == 2 and report.duplicates == 1
    assert [(r.line, r.reason) for r in report.rejections] == [(3, "doublon de la ligne 2 (fusionné)")]
    jean = person("jean.dupont@exemple.fr")
    # The first value wins, empty fields are filled from the repeat.
    assert (jean.first_name, jean.last_name, jean.commune) == ("Jean", "Dupont", "Grigny")
    assert jean.email == "Jean.Dupont@exemple.fr"  # the spelling of the first line, domain in lower case
    assert db.session.scalar(select(func.count()).select_from(Subscription)) == 2


def test_duplicates_across_batches(formations):
    rows = "".join(f"p{i}@exemple.fr;Nom{i};\n" for i in range(25))
    data = "email;nom;ville\n" + rows + "p3@exemple.fr;Autre;Massy\n"
    report = run(data, formations, batch_size=10)
    assert report.created == 25 and report.duplicates == 1
    assert [(r.line, r.reason) for r in report.rejections] == [(27, "doublon de la ligne 5 (fusionné)")]
    p3 = person("p3@exemple.fr")
    assert (p3.last_name, p3.commune) == ("Nom3", "Massy")


def test_duplicates_against_database_fill_empty_fields_only(formations):
    other = MailingList(slug="autre", name="Autre")
    db.session.add_all([other, Subscriber(email="connu@exemple.fr", first_name="Connu", organisation="",
                                          attributes={"a": "1"})])
    db.session.commit()
    known = person("connu@exemple.fr")
    set_subscription(known, formations, SubscriptionStatus.CONFIRMED, Consent(source="form"))
    db.session.add(Subscriber(email="ailleurs@exemple.fr", last_name="Ailleurs"))
    db.session.commit()
    data = ("email;prénom;organisme;nom;note\n"
            "connu@exemple.fr;Autre prénom;CRPVE;;x\n"
            "ailleurs@exemple.fr;;Mairie;;\n"
            "nouveau@exemple.fr;Neuf;;;\n")
    report = run(data, formations)
    assert (report.created, report.updated, report.already_member) == (1, 1, 1)
    known = person("connu@exemple.fr")
    assert (known.first_name, known.organisation) == ("Connu", "CRPVE")  # not overwritten, filled
    assert known.attributes == {"a": "1", "note": "x"}
    assert person("ailleurs@exemple.fr").last_name == "Ailleurs"  # never blanked
    assert members(formations) == {"connu@exemple.fr", "ailleurs@exemple.fr", "nouveau@exemple.fr"}
    assert db.session.scalar(select(func.count()).select_from(Subscriber)) == 3
    # The existing member's consent is untouched.
    sub = db.session.scalar(select(Subscription).where(Subscription.subscriber_id == known.id))
    assert sub.consent_source == "form"
    # Importing the same file again changes nothing.
    again = run(data, formations)
    assert (again.created, again.updated, again.already_member) == (0, 0, 3)


def test_suppressed_and_unsubscribed_are_not_resubscribed(formations):
    suppress("supprime@exemple.fr", SuppressionReason.COMPLAINED, "test")
    gone = Subscriber(email="parti@exemple.fr", status=SubscriberStatus.UNSUBSCRIBED)
    bounced = Subscriber(email="rebond@exemple.fr", status=SubscriberStatus.BOUNCED)
    left = Subscriber(email="quitte@exemple.fr")
    db.session.add_all([gone, bounced, left])
    db.session.commit()
    set_subscription(left, formations, SubscriptionStatus.UNSUBSCRIBED)
    db.session.commit()
    data = ("email\nsupprime@exemple.fr\nparti@exemple.fr\nrebond@exemple.fr\nquitte@exemple.fr\nok@exemple.fr\n")
    report = run(data, formations)
    assert (report.skipped_suppressed, report.skipped_unsubscribed, report.created) == (1, 3, 1)
    assert [(r.line, r.email, r.reason) for r in report.rejections] == [
        (2, "supprime@exemple.fr", "adresse sur la liste d'exclusion : non réabonnée"),
        (3, "parti@exemple.fr", "abonné au statut « désinscrit » : non réabonné"),
        (4, "rebond@exemple.fr", "abonné au statut « adresse en erreur » : non réabonné"),
        (5, "quitte@exemple.fr", "s'est désinscrit de cette liste : non réabonné"),
    ]
    assert members(formations) == {"ok@exemple.fr"}
    assert person("supprime@exemple.fr") is None


def test_audit_rows_per_change_and_one_summary(formations):
    run("email\na@exemple.fr\nb@exemple.fr\n", formations)
    actions = db.session.execute(select(AuditLog.action, AuditLog.source, AuditLog.actor)).all()
    assert sorted(a for a, _s, _u in actions) == ["import", "subscribe", "subscribe"]
    assert {s for _a, s, _u in actions} == {"import: test.csv by tester"}
    summary = db.session.scalar(select(AuditLog).where(AuditLog.action == "import"))
    assert summary.detail["created"] == 2 and summary.detail["file"] == "test.csv"


def test_pending_mode_sends_double_opt_in(formations):
    from app.models import OutboxMessage

    report = run("email;prénom\nmarie@exemple.fr;Marie\n", formations, pending=True)
    assert report.created == 1 and report.confirmations_queued == 1
    assert members(formations, SubscriptionStatus.PENDING) == {"marie@exemple.fr"}
    sub = db.session.scalar(select(Subscription))
    assert sub.confirmed_at is None
    assert db.session.scalar(select(OutboxMessage)) is None  # queued, not yet sent
    deliver_queued()
    raw = db.session.scalar(select(OutboxMessage)).raw
    assert b"marie@exemple.fr" in raw and b"/confirm/" in raw.replace(b"=\r\n", b"")


def test_unknown_and_extra_columns_become_attributes(formations):
    report = run("email;Service;;Nom\nx@exemple.fr;Urbanisme;vide?;X;surplus\n", formations)
    assert report.created == 1
    assert person("x@exemple.fr").attributes == {"Service": "Urbanisme", "colonne 3": "vide?", "colonne 5": "surplus"}


@pytest.mark.slow
def test_ten_megabyte_file_loses_nothing(formations):
    note = "participe aux journées ; souhaite recevoir le programme " * 2
    rows = [f'personne{i}@commune{i % 97}.fr;Éloïse{i};Lefèvre;Mairie de Saint-Étienne;Chargée;Évry;"{note}{i}"'
            for i in range(60_000)]
    data = ("Courriel;Prénom;Nom;Organisme;Fonction;Commune;Remarque\r\n" + "\r\n".join(rows) + "\r\n").encode("cp1252")
    assert len(data) > 10_000_000
    progress = []
    report = import_csv(io.BytesIO(data), formations, file_name="gros.csv", actor="tester",
                        on_progress=lambda r, done: progress.append(done))
    assert report.read == 60_000 and report.created == 60_000 and report.rejections == []
    assert db.session.scalar(select(func.count()).select_from(Subscription)) == 60_000
    last = person("personne59999@commune53.fr")
    assert last.first_name == "Éloïse59999" and last.attributes == {"Remarque": f"{note}59999"}
    assert progress[-1] == len(data) and progress == sorted(progress)


def test_windows_1252_detected_after_a_megabyte_of_ascii(formations):
    rows = "".join(f"ascii{i}@exemple.fr;Nom{i}\r\n" for i in range(45_000))
    data = ("email;nom\r\n" + rows).encode("ascii") + "tard@exemple.fr;Lefèvre\r\n".encode("cp1252")
    assert len(data) > 1 << 20
    report = run(data, formations)
    assert report.created == 45_001 and report.encoding == "cp1252"
    assert person("tard@exemple.fr").last_name == "Lefèvre"


def test_stray_windows_1252_byte_in_a_utf8_file(formations):
    data = "email;nom\nh@exemple.fr;Hélène\n".encode("utf-8") + b"c@exemple.fr;Caf\xe9\n"
    report = run(data, formations)
    assert report.encoding == "utf-8" and report.created == 2
    assert (person("h@exemple.fr").last_name, person("c@exemple.fr").last_name) == ("Hélène", "Café")


def test_people_who_left_keep_their_data(formations):
    gone = Subscriber(email="parti@exemple.fr", status=SubscriberStatus.UNSUBSCRIBED)
    db.session.add(gone)
    db.session.commit()
    report = run("email;nom;ville\nparti@exemple.fr;Nouveau;Massy\nparti@exemple.fr;Encore;Grigny\n", formations)
    assert (report.skipped_unsubscribed, report.duplicates) == (1, 1)
    db.session.refresh(gone)
    assert (gone.last_name, gone.commune) == ("", "")
