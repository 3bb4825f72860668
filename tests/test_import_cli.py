"""`flask subscribers import FILE --list SLUG [--pending]`: report, exit codes, one-line errors."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import MailingList, Subscription, SubscriptionStatus
from tests.conftest import FIXTURES


def _list():
    db.session.add(MailingList(slug="formations", name="Formations CRPVE"))
    db.session.commit()


def test_import_prints_report_and_exits_zero_with_rejected_rows(cli_runner, monkeypatch):
    _list()
    monkeypatch.setenv("USER", "camille")
    path = FIXTURES / "csv" / "quoted-multiline.csv"
    result = cli_runner.invoke(args=["subscribers", "import", str(path), "--list", "formations"])
    assert result.exit_code == 0, result.output
    assert "abonnés créés : 3" in result.output
    assert "ligne 7 : pas-une-adresse : adresse e-mail invalide" in result.output
    sub = db.session.scalars(select(Subscription)).first()
    assert sub.consent_source == "import: quoted-multiline.csv by camille"
    assert sub.status == SubscriptionStatus.CONFIRMED


def test_import_pending(cli_runner):
    _list()
    result = cli_runner.invoke(args=["subscribers", "import", str(FIXTURES / "csv" / "tab.tsv"),
                                     "--list", "formations", "--pending"])
    assert result.exit_code == 0, result.output
    assert "messages de confirmation en file : 2" in result.output
    assert {s.status for s in db.session.scalars(select(Subscription))} == {SubscriptionStatus.PENDING}


def test_import_errors_are_one_line_and_non_zero(cli_runner, tmp_path):
    _list()
    missing = cli_runner.invoke(args=["subscribers", "import", str(tmp_path / "absent.csv"), "--list", "formations"])
    assert missing.exit_code == 1 and "Fichier introuvable" in missing.output
    unknown = cli_runner.invoke(args=["subscribers", "import", str(FIXTURES / "csv" / "tab.tsv"), "--list", "nope"])
    assert unknown.exit_code == 1 and "Liste inconnue : nope" in unknown.output
    no_email = cli_runner.invoke(args=["subscribers", "import", str(FIXTURES / "csv" / "no-email.csv"),
                                       "--list", "formations"])
    assert no_email.exit_code == 1 and "Aucune colonne d'adresse e-mail" in no_email.output
    assert no_email.output.strip().count("\n") == 0
    empty = cli_runner.invoke(args=["subscribers", "import", str(FIXTURES / "csv" / "empty.csv"),
                                    "--list", "formations"])
    assert empty.exit_code == 1 and "vide" in empty.output
