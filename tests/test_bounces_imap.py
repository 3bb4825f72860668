"""``bounces poll`` against a real IMAP server: Debian's Dovecot, run unprivileged-style on a loopback port."""
from __future__ import annotations

import imaplib
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from app.extensions import db
from app.models import Subscriber, SubscriberStatus
from tests.browser import free_port
from tests.conftest import FIXTURES
from tests.subscribe_helpers import make_audience

DOVECOT = "/usr/sbin/dovecot"
USER, PASSWORD = "bounces", "secret-pass"


@pytest.fixture
def imap_server():
    if not os.path.exists(DOVECOT):
        pytest.fail("Dovecot is missing: run .ci/system-packages.sh (installs dovecot-imapd)")
    import grp
    import pwd

    uid, gid = pwd.getpwnam("dovecot").pw_uid, grp.getgrnam("dovecot").gr_gid
    root = Path(tempfile.mkdtemp(prefix="lettrine-imap-"))
    root.chmod(0o755)
    (root / "mail").mkdir()
    os.chown(root / "mail", uid, gid)
    port = free_port()
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}:{uid}:{gid}::{root / 'mail'}\n")
    (root / "dovecot.conf").write_text(f"""
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/run
instance_name = lettrine-test-{port}
default_internal_user = dovecot
default_login_user = dovenull
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
log_path = {root}/dovecot.log
mail_location = maildir:{root}/mail/Maildir
first_valid_uid = {min(uid, 100)}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = {root}/passwd
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
""")
    proc = subprocess.Popen([DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            imaplib.IMAP4("127.0.0.1", port).logout()
            break
        except OSError:
            time.sleep(0.05)
    try:
        yield port
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(root, ignore_errors=True)


def _deliver(port: int, *messages: bytes) -> None:
    imap = imaplib.IMAP4("127.0.0.1", port)
    imap.login(USER, PASSWORD)
    for raw in messages:
        imap.append("INBOX", None, None, raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    imap.logout()


def _flags(port: int) -> list[bytes]:
    imap = imaplib.IMAP4("127.0.0.1", port)
    imap.login(USER, PASSWORD)
    imap.select("INBOX")
    _typ, data = imap.fetch("1:*", "(FLAGS)")
    imap.logout()
    return [d for d in data if d]


def test_poll_reads_unseen_bounces_and_marks_them_read(app, cli_runner, imap_server):
    from tests.test_bounces import _postfix_bounce, _sent_delivery

    sub, _lists, campaign = make_audience("jean.dupont@mairie-exemple.fr")
    delivery = _sent_delivery(campaign, sub)
    _deliver(imap_server, _postfix_bounce(message_id=delivery.message_id),
             (FIXTURES / "bounces" / "autoreply-absence.eml").read_bytes())
    app.config["BOUNCE_IMAP_URL"] = f"imap://{USER}:{PASSWORD}@127.0.0.1:{imap_server}/INBOX"

    # doc-command: flask --app wsgi bounces poll
    result = cli_runner.invoke(args=["bounces", "poll"])
    assert result.exit_code == 0, result.output
    assert "hard:bounced 1" in result.output and "ignore:none 1" in result.output
    db.session.expire_all()
    assert db.session.get(Subscriber, sub.id).status == SubscriberStatus.BOUNCED
    assert all(b"\\Seen" in f for f in _flags(imap_server))

    again = cli_runner.invoke(args=["bounces", "poll"])
    assert again.exit_code == 0 and "aucun message" in again.output


def test_poll_with_a_wrong_password_is_a_clear_error(app, cli_runner, imap_server):
    app.config["BOUNCE_IMAP_URL"] = f"imap://{USER}:wrong@127.0.0.1:{imap_server}/INBOX"
    result = cli_runner.invoke(args=["bounces", "poll"])
    assert result.exit_code != 0 and "IMAP" in result.output


def test_a_poison_message_is_quarantined_and_the_next_one_processed(app, cli_runner, imap_server):
    from tests.test_bounces import _postfix_bounce, _sent_delivery

    sub, _lists, campaign = make_audience("jean.dupont@mairie-exemple.fr")
    delivery = _sent_delivery(campaign, sub)
    poison = ("From: MAILER-DAEMON@mx.example\r\nSubject: Undelivered Mail\r\n" + "".join(
        f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n' for i in range(300))).encode()
    _deliver(imap_server, poison, _postfix_bounce(message_id=delivery.message_id))
    app.config["BOUNCE_IMAP_URL"] = f"imap://{USER}:{PASSWORD}@127.0.0.1:{imap_server}/INBOX"

    result = cli_runner.invoke(args=["bounces", "poll"])
    assert result.exit_code == 0, result.output
    assert "rejected 1" in result.output and "hard:bounced 1" in result.output
    db.session.expire_all()
    assert db.session.get(Subscriber, sub.id).status == SubscriberStatus.BOUNCED
    imap = imaplib.IMAP4("127.0.0.1", imap_server)
    imap.login(USER, PASSWORD)
    _typ, listing = imap.list()
    folder = next(line.decode().rsplit(" ", 1)[-1].strip('"') for line in listing if b"quarantine" in line)
    _typ, count = imap.select(folder)
    assert int(count[0]) == 1
    imap.select("INBOX")
    _typ, data = imap.search(None, "ALL")
    assert len(data[0].split()) == 1  # only the processed bounce is left, marked read
    imap.logout()
    again = cli_runner.invoke(args=["bounces", "poll"])
    assert again.exit_code == 0 and "aucun message" in again.output
