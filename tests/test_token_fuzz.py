"""Property: no mutation of a valid link token is ever accepted (thousands of tries, a few seconds)."""
from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.tokens import InvalidToken, Purpose, sign, verify

ALPHABET = string.ascii_letters + string.digits + "-_.=+/% "
KEYS = ["fuzz-secret-key-0123456789abcdefghijkl"]


OPS = ("sub", "ins", "del", "cut", "swap")

# A mutation is a few bytes (cheap for Hypothesis to generate and shrink), read 3 at a
# time as (operation, position, character): substitutions, insertions, deletions,
# truncations and swaps, one to four per token.
mutations = st.binary(min_size=3, max_size=12)


def _apply(token: str, raw: bytes) -> str:
    chars = list(token)
    for k in range(0, len(raw) - 2, 3):
        op, pos, ch = OPS[raw[k] % len(OPS)], raw[k + 1] * 7 + raw[k + 2], ALPHABET[raw[k + 2] % len(ALPHABET)]
        i = pos % (len(chars) or 1)
        if op == "sub" and chars:
            chars[i] = ch
        elif op == "ins":
            chars.insert(i, ch)
        elif op == "del" and chars:
            del chars[i]
        elif op == "cut":
            chars = chars[:i]
        elif op == "swap" and len(chars) > 1:
            j = (i + 1) % len(chars)
            chars[i], chars[j] = chars[j], chars[i]
    return "".join(chars)


TOKENS = {
    Purpose.UNSUBSCRIBE: {"s": "q8Rz2ExampleUid0", "c": 42},
    Purpose.PREFERENCES: {"s": "q8Rz2ExampleUid0"},
    Purpose.CONFIRM: {"s": "q8Rz2ExampleUid0", "l": [1, 2]},
    Purpose.DATA_EXPORT: {"s": "q8Rz2ExampleUid0"},
}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(purpose=st.sampled_from(sorted(TOKENS, key=lambda p: p.value)),
       batch=st.lists(mutations, min_size=10, max_size=10))
def test_mutated_tokens_are_never_accepted(app, purpose, batch):
    """400 examples x 10 mutations: 4,000 mutated tokens (batched to keep Hypothesis' overhead small)."""
    app.config["SECRET_KEYS"] = KEYS
    token = sign(purpose, TOKENS[purpose])
    assert verify(purpose, token) == TOKENS[purpose]
    for ops in batch:
        mutated = _apply(token, ops)
        if mutated == token:
            continue
        try:
            verify(purpose, mutated)
        except InvalidToken:
            continue
        raise AssertionError(f"mutated token accepted: {token!r} -> {mutated!r}")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=mutations)
def test_mutated_unsubscribe_links_get_400_over_http(client, ops):
    token = sign(Purpose.UNSUBSCRIBE, {"s": "q8Rz2ExampleUid0", "c": None})
    mutated = _apply(token, ops).replace("/", "").replace("%", "").replace(" ", "").replace("+", "")
    if not mutated or mutated == token:
        return
    response = client.post(f"/u/{mutated}", data="List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code in (400, 404)  # 404 only when the path no longer matches the route


def test_every_single_character_substitution_is_refused(app):
    """Exhaustive, not random: Python's base64 decoder ignores the last character's spare
    bits, so without the canonical-form check 3 variants of every token would verify."""
    app.config["SECRET_KEYS"] = KEYS
    token = sign(Purpose.UNSUBSCRIBE, TOKENS[Purpose.UNSUBSCRIBE])
    url_safe = string.ascii_letters + string.digits + "-_."
    accepted = []
    for i in range(len(token)):
        for ch in url_safe:
            if ch == token[i]:
                continue
            candidate = token[:i] + ch + token[i + 1:]
            try:
                verify(Purpose.UNSUBSCRIBE, candidate)
            except InvalidToken:
                continue
            accepted.append(candidate)
    assert accepted == []
