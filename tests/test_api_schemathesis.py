"""The whole /api/v1 fuzzed from its own OpenAPI description (schemathesis, in process through WSGI):
no server error, every response (status, content type, headers, body) as the description says,
invalid input refused. Bounded examples per operation so it runs in about a minute on 2 cores."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig

from app.extensions import db
from app.models import Campaign, MailingList
from app.services.integrations.api_tokens import create_token
from tests.event_factories import future_dates, make_cycle

MAX_EXAMPLES = 12
# Schema-valid data may still break a rule the schema cannot state (an unknown list or cycle, a journée
# already past, an address email-validator refuses): those answer 422 or 409 with a problem+json body
# that the description documents. Everything else schemathesis checks stays at its default.
CONFIG = SchemathesisConfig.from_dict({"checks": {"positive_data_acceptance": {
    "expected-statuses": ["2xx", "401", "403", "404", "409", "422", "429"]}}})


def _seed() -> None:
    """A list, a campaign and a cycle with future journées, so paths with ids sometimes hit something."""
    db.session.add(MailingList(slug="lettre", name="Lettre"))
    db.session.add(Campaign(slug="bienvenue", name="Bienvenue", subject="Bienvenue",
                            content={"blocks": [{"type": "title", "text": "Bienvenue"}, {"type": "text", "text": "Bonjour"}]}))
    make_cycle(dates=future_dates())


@pytest.mark.slow
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_conforms_to_its_description(app, mode):
    """Each operation, in its own Hypothesis run (schemathesis's pytest loader does not run on pytest 9)."""
    _seed()
    headers = {"Authorization": f"Bearer {create_token('schemathesis', 'all').plaintext}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=CONFIG)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30

    for operation in operations:
        @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case):
            case.call_and_validate(headers=headers)

        try:
            run()
        except Exception as exc:
            raise AssertionError(f"{operation.label} ({mode.value}): {exc}") from exc


def test_the_description_is_openapi_3_1(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0"
    schemathesis.openapi.from_dict(spec).validate()  # against the OpenAPI 3.1 meta-schema
    broken = {**spec, "paths": {"/x": {"get": {"responses": {"200": {"description": 5}}}}}}
    with pytest.raises(Exception, match="5"):  # the check does catch an invalid document
        schemathesis.openapi.from_dict(broken).validate()
    assert spec["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    assert "application/problem+json" in spec["components"]["responses"]["FORBIDDEN"]["content"]
