"""What every /api/v1 route shares: the flask-smorest ``Api`` (OpenAPI 3.1 from the marshmallow
schemas that also validate the requests), RFC 9457 problem responses in French and English,
bearer-token scopes, per-token rate limits, ``Idempotency-Key`` and cursor pagination.
"""
from __future__ import annotations

import hashlib
import http
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

import marshmallow as ma
from flask import Response, current_app, g, json, request
from flask_smorest import Api, Blueprint
from flask_smorest.utils import prepare_response
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import HTTPException

from app.errors import LettrineError
from app.extensions import csrf, db, limiter
from app.models import ApiToken
from app.services.integrations import (
    KeyInUse,
    KeyReused,
    Replay,
    authenticate,
    claim_key,
    finish_key,
    has_scope,
    release_key,
)

PREFIX = "/api/v1"
PROBLEM_TYPE = "application/problem+json"

# French and English for each status, used when the code raising it said nothing more precise.
MESSAGES: dict[int, tuple[str, str]] = {
    400: ("La requête est invalide.", "The request is malformed."),
    401: ("Jeton d'API absent, inconnu, expiré ou révoqué (en-tête « Authorization: Bearer … »).",
          "API token missing, unknown, expired or revoked (header \"Authorization: Bearer …\")."),
    403: ("Ce jeton n'a pas la portée nécessaire.", "This token lacks the required scope."),
    404: ("Ressource introuvable.", "Resource not found."),
    405: ("Méthode non permise sur cette adresse.", "Method not allowed on this URL."),
    409: ("La requête entre en conflit avec l'état actuel.", "The request conflicts with the current state."),
    413: ("Corps de requête trop volumineux.", "Request body too large."),
    415: ("Corps JSON attendu (Content-Type: application/json).", "A JSON body is expected (Content-Type: application/json)."),
    422: ("Les données envoyées ne respectent pas le schéma.", "The data sent does not match the schema."),
    429: ("Trop de requêtes pour ce jeton ; réessayez plus tard.", "Too many requests for this token; retry later."),
    500: ("Erreur interne ; elle a été enregistrée.", "Internal error; it has been logged."),
}


class ProblemMessagesSchema(ma.Schema):
    fr = ma.fields.String(required=True)
    en = ma.fields.String(required=True)


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details; ``detail`` is French, ``messages`` holds both languages. Every member
    an answer may carry is declared (the extension members ``code``, ``errors``, ``required_scope``):
    a client validating bodies against this schema never meets one it forbids."""

    type = ma.fields.String(required=True, metadata={"description": "URI du type de problème (about:blank)"})
    title = ma.fields.String(required=True, metadata={"description": "Intitulé HTTP"})
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String(required=True, metadata={"description": "Explication en français"})
    instance = ma.fields.String(required=True, metadata={"description": "Le chemin demandé / the path requested"})
    messages = ma.fields.Nested(ProblemMessagesSchema, required=True,
                                metadata={"description": "Le message en français et en anglais / in French and English"})
    code = ma.fields.String(metadata={"description": "Refus d'une règle de Lettrine : code stable "
                                                     "(campaign_state, invalid_address…) / a rule's stable code"})
    errors = ma.fields.Raw(metadata={"description": "Détail des champs refusés / the refused fields, by location"})
    required_scope = ma.fields.String(metadata={"description": "403 : la portée qui manque au jeton / "
                                                               "the scope the token lacks"})


class Problem(HTTPException):
    """Raise to answer a problem+json with a precise French and English message."""

    def __init__(self, status: int, fr: str, en: str, *, headers: dict[str, str] | None = None, **extra: Any):
        super().__init__(description=fr)
        self.code = status
        self.fr, self.en, self.extra, self.extra_headers = fr, en, extra, headers or {}


def problem_response(error: HTTPException) -> Response:
    """Any HTTP error raised under /api/v1 (routing, validation, auth, rate limit…) as problem+json."""
    status = error.code or 500
    fr, en = MESSAGES.get(status, (error.description or "", error.description or ""))
    body: dict[str, Any] = {"type": "about:blank", "title": http.HTTPStatus(status).phrase, "status": status,
                            "instance": request.path}
    headers: dict[str, str] = {}
    if isinstance(error, Problem):
        fr, en = error.fr, error.en
        body.update(error.extra)
        headers.update(error.extra_headers)
    data = getattr(error, "data", None) or {}
    errors = data.get("errors") or data.get("messages")
    if errors:
        # webargs nests by location ({"json": {...}}); keep it: it says where the problem is.
        body["errors"] = errors
    body["detail"] = fr
    body["messages"] = {"fr": fr, "en": en}
    for name, value in (error.get_headers() if not isinstance(error, Problem) else []):
        if name.lower() != "content-type":
            headers[name] = value
    headers.update(data.get("headers") or {})
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="lettrine"'
    response = current_app.response_class(json.dumps(body), status=status, mimetype=PROBLEM_TYPE)
    response.headers.extend(headers)
    return response


def refusal_response(error: LettrineError) -> Response:
    """A refusal of the rules (:class:`app.errors.LettrineError`) as problem+json: its status, its French
    message as ``detail``, its code; ``messages.en`` is the class's English sentence when it has one."""
    status = error.status if 400 <= error.status < 600 else 400
    fr = error.message
    en = error.en or MESSAGES.get(status, (fr, fr))[1]
    body = {"type": "about:blank", "title": http.HTTPStatus(status).phrase, "status": status, "instance": request.path,
            "detail": fr, "code": error.code, "messages": {"fr": fr, "en": en}}
    return current_app.response_class(json.dumps(body), status=status, mimetype=PROBLEM_TYPE)


def is_api_request() -> bool:
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")


class LettrineApi(Api):
    """flask-smorest's Api, with problem+json errors (documented as such) limited to /api/v1."""

    ERROR_SCHEMA = ProblemSchema
    DEFAULT_ERROR_RESPONSE_NAME = None  # no catch-all "default": each route lists the errors it can give

    def _register_error_handlers(self) -> None:
        """Errors under /api/v1 become problem+json; elsewhere the HTML error pages stay in charge."""

        def handle(error: HTTPException):
            return problem_response(error) if is_api_request() else error

        self._app.register_error_handler(HTTPException, handle)

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            if status < 400:
                continue
            response = {"description": status.phrase, "schema": self.ERROR_SCHEMA}
            prepare_response(response, self.spec, PROBLEM_TYPE)
            self.spec.components.response(status.name, response, lazy=True)


api = LettrineApi()


# --------------------------------------------------------------------------- auth and scopes


def current_token() -> ApiToken:
    return g.api_token


def _authenticate() -> None:
    """The token of ``Authorization: Bearer …`` (the scheme in any case, spaces around the value
    ignored), or 401."""
    scheme, _, value = request.headers.get("Authorization", "").strip().partition(" ")
    token = authenticate(value.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        raise Problem(401, *MESSAGES[401])
    g.api_token = token


def _require(scope: str) -> None:
    if not has_scope(current_token(), scope):
        raise Problem(403, f"Ce jeton n'a pas la portée « {scope} ».", f"This token lacks the scope \"{scope}\".",
                      required_scope=scope)


def rate_key() -> str:
    """Per token: its id, known once authenticated (however the header is spelt, one token is one counter)."""
    return f"api-token:{current_token().id}"


class _StrictParser(FlaskParser):
    """Unknown query parameters are refused (422), as unknown JSON fields are:
    a misspelt filter must not silently return everything."""

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": None}


class ApiBlueprint(Blueprint):
    """A flask-smorest blueprint whose routes declare their scope with :meth:`scoped`."""

    ARGUMENTS_PARSER = _StrictParser()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        csrf.exempt(self)  # bearer tokens, JSON bodies: no browser form can post here with a token

    def scoped(self, scope: str, *errors: int) -> Callable:
        """Require a token with ``scope``; document 401, 403, 429 and the listed error statuses."""

        def decorator(view: Callable) -> Callable:
            @wraps(view)
            def scoped_view(*args: Any, **kwargs: Any) -> Any:
                _require(scope)
                return view(*args, **kwargs)

            limited = _rate_limited(scoped_view)  # counted per token, refusals of scope included

            @wraps(view)
            def authenticated(*args: Any, **kwargs: Any) -> Any:
                _authenticate()  # first: the limit is keyed by the token's id
                return limited(*args, **kwargs)

            wrapper: Callable = authenticated
            for status in sorted({400, 401, 403, 429, *errors}):
                wrapper = self.alt_response(status, response=http.HTTPStatus(status).name)(wrapper)
            return self.doc(description=f"Portée requise / required scope: `{scope}`")(wrapper)

        return decorator


# One counter per token across every route (``API_RATE_LIMIT``, e.g. "300 per minute"). Applied to
# each view when its module is imported, once: a blueprint-wide limit would be added again by every
# ``create_app``, and counted again with it.
_rate_limited = limiter.shared_limit(lambda: current_app.config["API_RATE_LIMIT"], scope="api-v1", key_func=rate_key)


# --------------------------------------------------------------------------- Idempotency-Key

IDEMPOTENCY_KEY = re.compile(r"^[!-~]{1,200}$")  # 1 to 200 visible ASCII characters (a UUID, an order number…)
IDEMPOTENCY_HEADER = {"in": "header", "name": "Idempotency-Key", "required": False,
                      "schema": {"type": "string", "pattern": IDEMPOTENCY_KEY.pattern},
                      "description": "Rejouer la même requête avec la même clé (24 h) renvoie la première réponse "
                                     "sans rien refaire / the same request with the same key (24 h) replays the "
                                     "first answer and does nothing again."}


def idempotent(blp: Blueprint) -> Callable:
    """Honour ``Idempotency-Key`` on a POST that creates or sends (must sit under :meth:`ApiBlueprint.scoped`).

    The rule is ``app.services.integrations.idempotency``'s (a placeholder committed first, so a
    concurrent duplicate gets 409 instead of running twice; a success replayed; a failure frees
    the key); this decorator fingerprints the request and answers in HTTP.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any):
            key = request.headers.get("Idempotency-Key")
            if key is None:
                return view(*args, **kwargs)
            if not IDEMPOTENCY_KEY.match(key):
                raise Problem(400, "« Idempotency-Key » : 1 à 200 caractères ASCII visibles.",
                              "\"Idempotency-Key\": 1 to 200 visible ASCII characters.")
            fingerprint = hashlib.sha256(
                request.method.encode() + b" " + request.path.encode() + b"\n" + request.get_data()).hexdigest()
            try:
                claimed = claim_key(current_token().id, key, fingerprint)
            except KeyInUse:
                raise Problem(409, "Une requête avec cette clé est en cours.", "A request with this key is in progress.") from None
            except KeyReused:
                raise Problem(422, "Cette « Idempotency-Key » a déjà servi pour une autre requête.",
                              "This Idempotency-Key was already used for a different request.") from None
            if isinstance(claimed, Replay):
                replay = current_app.response_class(claimed.body, status=claimed.status_code,
                                                    content_type=claimed.content_type)
                replay.headers["Idempotent-Replayed"] = "true"
                return replay
            try:
                response = current_app.make_response(view(*args, **kwargs))
            except Exception:
                release_key(claimed)
                raise
            finish_key(claimed, response.status_code, response.get_data(), response.content_type or "")
            return response

        documented: Callable = blp.doc(parameters=[IDEMPOTENCY_HEADER])(wrapper)
        # A key in use (409) or reused for another body (422) are answers of every idempotent route.
        for status in (409, 422):
            documented = blp.alt_response(status, response=http.HTTPStatus(status).name)(documented)
        return documented

    return decorator


# --------------------------------------------------------------------------- cursor pagination


class PageArgs(ma.Schema):
    limit = ma.fields.Integer(load_default=50, validate=ma.validate.Range(1, 200))
    cursor = ma.fields.String(load_default=None, validate=ma.validate.Regexp(r"^[0-9]{1,9}$"), metadata={
        "description": "« next_cursor » de la page précédente, tel quel / of the previous page, as given"})


def page_of(query, id_column, args: dict) -> tuple[list, str | None]:
    """One page of ``query`` ordered by id, and the cursor of the next page (None at the end)."""
    limit = args["limit"]
    rows = list(db.session.scalars(query.where(id_column > int(args.get("cursor") or 0))
                                   .order_by(id_column).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, str(rows[-1].id) if more and rows else None


# PostgreSQL text cannot hold a NUL character: refused with a 422 rather than failing in the database.
NO_NUL = ma.validate.Regexp(r"^[^\x00]*$", error="caractère NUL interdit / NUL character not allowed")

MAX_ID = 2**31 - 1  # ids are 32-bit integers in PostgreSQL; larger ones cannot exist
ID = ma.validate.Range(1, MAX_ID)


def get_or_404(model, row_id: int, what_fr: str, what_en: str):
    """The row with this id, or a 404 problem (also for ids no column can hold)."""
    row = db.session.get(model, row_id) if 0 < row_id <= MAX_ID else None
    if row is None:
        raise not_found(what_fr, what_en)
    return row


def not_found(what_fr: str, what_en: str) -> Problem:
    return Problem(404, f"{what_fr} introuvable.", f"{what_en} not found.")


__all__ = [
    "ApiBlueprint",
    "NO_NUL",
    "PageArgs",
    "Problem",
    "api",
    "current_token",
    "get_or_404",
    "idempotent",
    "not_found",
    "page_of",
    "problem_response",
]
