"""Signed tokens: purpose-bound, rotatable, and tamper-evident."""
import pytest

from app.tokens import InvalidToken, Purpose, sign, verify

NEW, OLD = "n" * 40, "o" * 40


def test_round_trip_and_no_address_inside(app):
    token = sign(Purpose.UNSUBSCRIBE, {"s": "AbC123", "l": 4})
    assert verify(Purpose.UNSUBSCRIBE, token) == {"s": "AbC123", "l": 4}
    assert "@" not in token


def test_purposes_do_not_mix(app):
    token = sign(Purpose.UNSUBSCRIBE, "uid")
    with pytest.raises(InvalidToken):
        verify(Purpose.PREFERENCES, token)


def test_rotation_keeps_old_links_valid():
    old_token = sign(Purpose.UNSUBSCRIBE, "uid", secret_keys=[OLD])
    assert verify(Purpose.UNSUBSCRIBE, old_token, secret_keys=[NEW, OLD]) == "uid"
    new_token = sign(Purpose.UNSUBSCRIBE, "uid", secret_keys=[NEW, OLD])
    assert verify(Purpose.UNSUBSCRIBE, new_token, secret_keys=[NEW]) == "uid"
    with pytest.raises(InvalidToken):
        verify(Purpose.UNSUBSCRIBE, new_token, secret_keys=[OLD])


@pytest.mark.parametrize("mangle", [lambda t: t[:-1], lambda t: t[:-2] + ("A" if t[-2] != "A" else "B") + t[-1],
                                    lambda t: "x" + t, lambda t: "", lambda t: t.replace(".", "")])
def test_tampered_tokens_are_refused(app, mangle):
    token = sign(Purpose.CONFIRM, "uid")
    with pytest.raises(InvalidToken):
        verify(Purpose.CONFIRM, mangle(token))
