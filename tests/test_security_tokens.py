"""Token pages: a URL holding a signed token is never cached and never sent on as a Referer (valid or
not), a token minted for one page opens no other, and the click redirect does not pass the token on."""
from __future__ import annotations

import pytest

from tests.security_helpers import make_world

PAGES = {  # endpoint -> path prefix (GET pages)
    "public.unsubscribe_page": "/u/",
    "public.preferences": "/p/",
    "public.confirm_subscription": "/confirm/",
    "public.registration_manage": "/r/",
    "public.privacy_export": "/privacy/",
    "public.click": "/l/",
}


def _private(response) -> bool:
    return (response.headers.get("Cache-Control") == "no-store"
            and response.headers.get("Referrer-Policy") == "no-referrer")


@pytest.mark.parametrize("endpoint", sorted(PAGES))
def test_valid_and_forged_tokens_are_private(app, client, endpoint):
    world = make_world()
    prefix = PAGES[endpoint]
    good = client.get(prefix + world.tokens[endpoint])
    assert good.status_code in (200, 302) and _private(good)
    forged = client.get(prefix + world.tokens[endpoint][:-3] + "xyz")
    assert forged.status_code in (400, 404) and _private(forged)


@pytest.mark.parametrize("endpoint", sorted(PAGES))
def test_a_token_opens_only_its_own_page(app, client, endpoint):
    world = make_world()
    for other, prefix in PAGES.items():
        if other == endpoint or world.tokens[other] == world.tokens[endpoint]:
            continue
        response = client.get(prefix + world.tokens[endpoint])
        assert response.status_code in (400, 404), (endpoint, other, response.status_code)


def test_the_click_redirect_sends_no_referer_to_the_destination(app, client):
    world = make_world()
    response = client.get("/l/" + world.tokens["public.click"])
    assert response.status_code == 302 and response.headers["Location"] == "https://www.crpve91.fr/"
    assert response.headers["Referrer-Policy"] == "no-referrer"
