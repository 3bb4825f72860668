"""The whole /api/v1 fuzzed from its own OpenAPI description (schemathesis, in process through WSGI):
no server error, every response (status, content type, headers, body) as the description says,
invalid input refused — with a token holding every scope and with a token for each single scope
(whose refusals, 403 with ``required_scope``, must match their declared schema too), the rate limit
on and raised for the run. The description itself is checked against OpenAPI 3.1 with
``openapi-spec-validator``, and every kind of error body against its declared schema, quickly; the
thorough fuzzing is marked slow."""
from __future__ import annotations

import re
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig

from app.extensions import db
from app.models import Campaign, MailingList
from app.services.integrations import SCOPES, create_token, has_scope
from tests.conftest import _empty_tables, make_app
from tests.event_factories import future_dates, make_cycle

MAX_EXAMPLES = 12
SCOPED_EXAMPLES = 3  # per operation in the token's scope, with each single-scope token
# Schema-valid data may still break a rule the schema cannot state (an unknown list or cycle, a journée
# already past, an address email-validator refuses): those answer 422 or 409 with a problem+json body
# that the description documents. Everything else schemathesis checks stays at its default.
CONFIG = SchemathesisConfig.from_dict({"checks": {"positive_data_acceptance": {
    "expected-statuses": ["2xx", "401", "403", "404", "409", "422", "429"]}}})
# The limit stays on (its key is the token's id, read after authentication) but far above the run.
RAISED_LIMIT = {"RATELIMIT_ENABLED": True, "API_RATE_LIMIT": "1000000 per minute"}
SCOPE_OF = re.compile(r"required scope: `([a-z]+:[a-z]+)`")


def _seed() -> None:
    """A list, a campaign and a cycle with future journées, so paths with ids sometimes hit something."""
    db.session.add(MailingList(slug="lettre", name="Lettre"))
    db.session.add(Campaign(slug="bienvenue", name="Bienvenue", subject="Bienvenue",
                            content={"blocks": [{"type": "title", "text": "Bienvenue"}, {"type": "text", "text": "Bonjour"}]}))
    make_cycle(dates=future_dates())


def _fuzz(app, scopes: str, mode: GenerationMode, examples: int, out_of_scope_examples: int | None = None) -> int:
    """Each operation in its own Hypothesis run (schemathesis's pytest loader does not run on pytest 9);
    how many operations the token's scopes cover."""
    created = create_token(f"schemathesis {scopes}", scopes)
    headers = {"Authorization": f"Bearer {created.plaintext}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=CONFIG)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30
    covered = 0
    for operation in operations:
        needed = SCOPE_OF.search(operation.definition.raw.get("description", ""))
        assert needed, operation.label  # every operation says its scope
        in_scope = has_scope(created.token, needed.group(1))
        covered += in_scope
        count = examples if in_scope or out_of_scope_examples is None else out_of_scope_examples

        @settings(max_examples=count, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case):
            case.call_and_validate(headers=headers)

        try:
            run()
        except Exception as exc:
            raise AssertionError(f"{operation.label} ({mode.value}, {scopes}): {exc}") from exc
    return covered


@pytest.fixture
def fuzzed_app(migrated):
    app = make_app(migrated, RAISED_LIMIT)
    with app.app_context():
        _seed()
        yield app
        db.session.remove()
        _empty_tables(app)


@pytest.mark.slow
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_conforms_to_its_description_with_every_scope(fuzzed_app, mode):
    assert _fuzz(fuzzed_app, "all", mode, MAX_EXAMPLES) >= 30


@pytest.mark.slow
@pytest.mark.parametrize("scope", sorted(SCOPES))
def test_api_conforms_to_its_description_with_each_single_scope(fuzzed_app, scope):
    """Outside its scope every operation answers a 403 that must match its schema: one example each is
    enough there; inside, a few."""
    assert _fuzz(fuzzed_app, scope, GenerationMode.POSITIVE, SCOPED_EXAMPLES, out_of_scope_examples=1) >= 1


@pytest.mark.slow
def test_a_single_scope_token_meets_only_documented_refusals(fuzzed_app):
    """The short run of the above (the finding: every 403 carried ``required_scope``, which its own
    schema forbade: 15 violations from a schema-driven fuzzer); the fast check of the same is
    ``test_every_kind_of_error_body_matches_its_declared_schema``."""
    # The agenda's reads: the cycles, one cycle, one journée.
    assert _fuzz(fuzzed_app, "events:read", GenerationMode.POSITIVE, 1, out_of_scope_examples=1) == 3


def test_the_description_is_valid_openapi_3_1(app, client):
    """The finding: ``seats_left`` had the type ``['integer', 'null', 'null']``."""
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0"
    errors = [f"{list(e.path)}: {e.message}" for e in OpenAPIV31SpecValidator(spec).iter_errors()]
    assert errors == []
    broken = {**spec, "components": {**spec["components"], "schemas": {
        **spec["components"]["schemas"], "Journee": {"type": "object", "properties": {
            "seats_left": {"type": ["integer", "null", "null"]}}}}}}
    assert any("seats_left" in str(list(e.path)) for e in OpenAPIV31SpecValidator(broken).iter_errors())
    assert spec["components"]["schemas"]["Journee"]["properties"]["seats_left"]["type"] == ["integer", "null"]
    assert spec["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    assert "application/problem+json" in spec["components"]["responses"]["FORBIDDEN"]["content"]


def _declared(spec: dict[str, Any], path: str, method: str, status: int) -> Draft202012Validator:
    """The JSON Schema the description gives this answer (refs resolved inside the document)."""
    response = spec["paths"][path][method]["responses"][str(status)]
    if "$ref" in response:
        response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    [(content_type, media)] = response["content"].items()
    assert content_type == "application/problem+json"
    return Draft202012Validator({**media["schema"], "components": spec["components"]})


def test_every_kind_of_error_body_matches_its_declared_schema(migrated):
    app = make_app(migrated, {"RATELIMIT_ENABLED": True, "API_RATE_LIMIT": "3 per minute"})
    with app.app_context():
        _seed()
        client = app.test_client()
        spec = client.get("/api/v1/openapi.json").get_json()
        reader = {"Authorization": f"Bearer {create_token('lecteur', 'events:read').plaintext}"}

        def writer() -> dict[str, str]:  # a token of its own for each call: the limit of 3 is for the 429 below
            return {"Authorization": f"Bearer {create_token('rédacteur', 'all').plaintext}"}

        answers = [
            ("/api/v1/subscribers", "get", client.get("/api/v1/subscribers")),  # 401
            ("/api/v1/subscribers", "get", client.get("/api/v1/subscribers", headers=reader)),  # 403 + required_scope
            ("/api/v1/cycles/{slug}", "get", client.get("/api/v1/cycles/nope", headers=writer())),  # 404
            ("/api/v1/subscribers", "post", client.post("/api/v1/subscribers", headers=writer(), json={"email": 5})),  # 422 + errors
            ("/api/v1/subscribers", "post", client.post("/api/v1/subscribers", headers=writer(), json={
                "email": "a@example.org", "lists": ["nope"], "consent": {"text": "oui"}})),  # 422 refusal
            ("/api/v1/campaigns/{campaign_id}/pause", "post",
             client.post("/api/v1/campaigns/1/pause", headers=writer(), json={})),  # 409 + code
        ]
        answers += [("/api/v1/cycles", "get", client.get("/api/v1/cycles", headers=reader)) for _ in range(3)]  # 429
        statuses = [answer.status_code for _, _, answer in answers]
        assert statuses[:6] == [401, 403, 404, 422, 422, 409] and 429 in statuses[6:], statuses
        for path, method, answer in answers:
            if answer.status_code < 400:
                continue
            body = answer.get_json()
            problems = [e.message for e in _declared(spec, path, method, answer.status_code).iter_errors(body)]
            assert problems == [], (path, answer.status_code, body, problems)
        assert answers[1][2].get_json()["required_scope"] == "subscribers:read"
        db.session.remove()
        _empty_tables(app)
