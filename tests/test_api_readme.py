"""The README's API section says what works: its curl bodies are sent as written, and its webhook
verification function checks a real delivery (and refuses a tampered one)."""
from __future__ import annotations

import json
import re
import shlex
from itertools import pairwise
from pathlib import Path

from app.extensions import db
from app.models import Campaign, MailingList, TransactionalMessage
from app.sending.webhooks import deliver_due
from tests.api_helpers import token_header
from tests.event_factories import future_dates, make_cycle
from tests.test_webhooks import SECRET, endpoint_row, receiver  # noqa: F401 (fixture)

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
API = README[README.index("\n## API"):]


def _curl_posts() -> list[tuple[str, dict]]:
    """(path, JSON body) of each ``curl -X POST`` in the API section, parsed as a shell would."""
    posts = []
    for block in re.findall(r"```sh\n(.*?)```", API, re.DOTALL):
        words = shlex.split(block, comments=True)
        starts = [i for i, w in enumerate(words) if w == "curl"] + [len(words)]
        for start, end in pairwise(starts):
            command = words[start:end]
            if command[1:3] == ["-X", "POST"] and "-d" in command:
                url = next(w for w in command if w.startswith("https://"))
                posts.append((url.split("crpve91.fr", 1)[1], json.loads(command[command.index("-d") + 1])))
    return posts


def test_the_readme_curl_examples_work_as_written(client):
    db.session.add(MailingList(slug="lettre", name="Lettre"))
    template = Campaign(id=12, slug="bienvenue", name="Bienvenue", subject="Bienvenue",
                       content={"blocks": [{"type": "title", "text": "Bienvenue"}, {"type": "text", "text": "Bonjour"}]})
    db.session.add(template)
    db.session.commit()
    make_cycle(dates=future_dates())
    headers = token_header("all")
    posts = _curl_posts()
    assert [path for path, _ in posts] == ["/api/v1/subscribers", "/api/v1/cycles/contrat-de-ville-2016/registrations",
                                          "/api/v1/tx"]
    for path, body in posts:
        response = client.post(path, headers=headers, json=body)
        assert response.status_code in (200, 201, 202), (path, response.get_json())
    assert db.session.query(TransactionalMessage).filter_by(kind="api").count() == 1


def test_the_readme_verify_function_checks_a_real_delivery(app, client, receiver):  # noqa: F811
    code = re.search(r"```python\n(.*?)```", API, re.DOTALL).group(1)
    namespace: dict = {}
    exec(code, namespace)  # noqa: S102 - the README's own example
    verify = namespace["verify"]
    app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = True  # the receiver is on loopback
    hook = receiver()
    db.session.add(endpoint_row(hook.url, ["subscriber.created"]))
    db.session.add(MailingList(slug="lettre", name="Lettre"))
    db.session.commit()
    client.post("/api/v1/subscribers", headers=token_header(), json={
        "email": "a@example.org", "lists": ["lettre"], "consent": {"text": "oui"}})
    assert deliver_due("w", 10) == 1
    [(headers, body)] = hook.requests
    assert verify(SECRET, headers, body)
    assert not verify(SECRET, headers, body.replace(b"a@example.org", b"b@example.org"))
    assert not verify("whsec_" + "B" * 32, headers, body)
