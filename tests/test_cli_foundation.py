"""The CLI forms that later issues and outside checks rely on."""
import json

from sqlalchemy import func, select

from app.extensions import db
from app.models import MailingList, Role, Subscriber, User


def test_users_create_reads_password_from_stdin(cli_runner):
    result = cli_runner.invoke(args=["users", "create", "Officer@Example.org", "--role", "editor"], input="tartine-confiture-velo\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "officer@example.org"))
    assert user.role == Role.EDITOR and user.check_password("tartine-confiture-velo")


def test_users_create_refuses_short_password(cli_runner):
    result = cli_runner.invoke(args=["users", "create", "x@example.org"], input="short\n")
    assert result.exit_code != 0
    assert "12" in result.output


def test_lists_create_and_duplicate(cli_runner):
    assert cli_runner.invoke(args=["lists", "create", "lettre", "--name", "Lettre d'info"]).exit_code == 0
    again = cli_runner.invoke(args=["lists", "create", "lettre", "--name", "X"])
    assert again.exit_code == 1 and "existe déjà" in again.output
    bad = cli_runner.invoke(args=["lists", "create", "Bad Slug", "--name", "X"])
    assert bad.exit_code == 1
    assert db.session.scalar(select(func.count()).select_from(MailingList)) == 1


def test_campaigns_list_json_is_an_array(cli_runner):
    result = cli_runner.invoke(args=["campaigns", "list", "--json"])
    assert result.exit_code == 0
    assert isinstance(json.loads(result.output), list)


def test_demo_load_is_idempotent(cli_runner):
    first = cli_runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert "admin@crpve91.fr" in first.output
    counts = db.session.scalar(select(func.count()).select_from(Subscriber))
    second = cli_runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(Subscriber)) == counts
    formations = db.session.scalar(select(MailingList).where(MailingList.slug == "formations"))
    assert formations.name == "Formations CRPVE"
    # The printed password logs in.
    password = first.output.strip().rsplit(" / ", 1)[1]
    admin = db.session.scalar(select(User).where(User.email == "admin@crpve91.fr"))
    assert admin.check_password(password)
