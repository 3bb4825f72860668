"""/api/v1/imports: start a CSV import into a list and follow it — the admin's import job (streamed,
batched, resumed after a crash, merged, never resubscribing someone who left), started from a body.
Scope ``subscribers:write`` (the report names the rejected addresses).

The file is the body (``Content-Type: text/csv``) or the ``file`` part of a multipart form; the
options (``list``, ``mapping``, ``double_opt_in``, ``file_name``) are query parameters, or fields of the
multipart form. No ``Idempotency-Key``: the same file imported twice merges, nothing is doubled.
"""
from __future__ import annotations

import json

import marshmallow as ma
from flask import current_app, request, url_for

from app.extensions import db
from app.models import ImportJob
from app.services.audience import IMPORT_FIELDS, create_job_from_upload, find_list, start_import
from app.services.campaigns import message_counts
from app.web.api_v1.core import NO_NUL, ApiBlueprint, Problem, _authenticate, _require, current_token, get_or_404

blp = ApiBlueprint("api_v1_imports", __name__, url_prefix="/imports",
                   description="Imports CSV dans une liste / CSV imports into a list")
Str = ma.fields.String

MAPPING_DOC = ("objet JSON « en-tête du fichier » → champ (" + ", ".join(IMPORT_FIELDS) + ") ; les autres colonnes "
               "sont reconnues comme dans l'admin / a JSON object, file header → field")


class ImportOptions(ma.Schema):
    list = Str(validate=[ma.validate.Length(1, 120), NO_NUL], metadata={"description": "la liste (son slug) / the list's slug"})
    mapping = Str(validate=[ma.validate.Length(max=5000), NO_NUL], metadata={"description": MAPPING_DOC})
    double_opt_in = ma.fields.Boolean(metadata={
        "description": "envoyer le lien de confirmation au lieu d'inscrire (défaut : non, comme dans l'admin) / "
                       "send the confirmation link instead of subscribing (default false)"})
    file_name = Str(validate=[ma.validate.Length(1, 300), NO_NUL], metadata={"description": "nom montré dans l'admin"})


REQUEST_BODY = {
    "required": True,
    "content": {
        "text/csv": {"schema": {"type": "string"}},
        "multipart/form-data": {"schema": {
            "type": "object", "required": ["file"],
            "properties": {"file": {"type": "string", "contentMediaType": "text/csv"},
                           "list": {"type": "string"}, "mapping": {"type": "string", "description": MAPPING_DOC},
                           "double_opt_in": {"type": "boolean"}, "file_name": {"type": "string"}}}},
    },
}


class RejectionSchema(ma.Schema):
    line = ma.fields.Integer()
    email = Str()
    reason = Str()


class ImportJobSchema(ma.Schema):
    id = ma.fields.Integer()
    list = ma.fields.Function(lambda job: job.mailing_list.slug if job.mailing_list else None, allow_none=True,
                              metadata={"type": "string"})  # allow_none adds "null"
    file_name = Str()
    double_opt_in = ma.fields.Boolean(attribute="pending")
    status = ma.fields.Function(lambda job: job.status.value,
                                metadata={"type": "string", "enum": ["queued", "running", "done", "failed"]})
    percent = ma.fields.Integer()
    bytes_done = ma.fields.Integer()
    bytes_total = ma.fields.Integer()
    counts = ma.fields.Dict(keys=Str(), values=ma.fields.Integer(), metadata={
        "description": "lues, créées, mises à jour, déjà membres, refusées… / read, created, updated, rejected…"})
    rejections = ma.fields.List(ma.fields.Nested(RejectionSchema), attribute="report", metadata={
        "description": "les 1000 premières lignes refusées / the first 1000 rejected rows"})
    error = Str()
    messages = ma.fields.Function(
        lambda job: message_counts(f"import:{job.id}") if job.pending else {},
        metadata={"type": "object", "additionalProperties": {"type": "integer"},
                  "description": "messages de confirmation (double opt-in) : queued, sent, failed, skipped"})
    created_at = ma.fields.DateTime()
    started_at = ma.fields.DateTime(allow_none=True)
    finished_at = ma.fields.DateTime(allow_none=True)


def _options(query: dict) -> dict:
    """The query's options, overridden by a multipart form's fields (validated the same way)."""
    fields = {name: request.form[name] for name in ImportOptions().fields if name in request.form}
    try:
        return {**query, **ImportOptions().load(fields)}
    except ma.ValidationError as exc:
        raise Problem(422, "Options d'import invalides.", "Invalid import options.", errors={"form": exc.messages}) from exc


def _mapping(text: str | None) -> dict[str, str] | None:
    if not text:
        return None
    try:
        mapping = json.loads(text)
    except ValueError:
        mapping = None
    if not isinstance(mapping, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()):
        raise Problem(422, "« mapping » : un objet JSON {\"en-tête\": \"champ\"} est attendu.",
                      "\"mapping\": a JSON object {\"header\": \"field\"} is expected.", errors={"mapping": [text[:200]]})
    return mapping


@blp.post("")
@blp.scoped("subscribers:write", 404, 413, 415, 422)
@blp.arguments(ImportOptions, location="query")
@blp.doc(requestBody=REQUEST_BODY)
@blp.response(202, ImportJobSchema, headers={"Location": {"schema": {"type": "string"},
                                                          "description": "où suivre l'import / where to follow it"}})
def start(query: dict):
    """Lancer un import (fichier CSV en corps ou en formulaire multipart) ; suivez-le avec GET /imports/{id} /
    start an import; follow it with GET /imports/{id}."""
    # The import's larger body limit, raised only now that the token and its scope are checked
    # (nothing has read the body yet): an anonymous request keeps the 1 MB of every route.
    request.max_content_length = current_app.config.get("IMPORT_MAX_CONTENT_LENGTH")
    options = _options(query)
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise Problem(422, "Partie « file » manquante dans le formulaire.", "The \"file\" part is missing.",
                          errors={"file": ["requis / required"]})
        stream, default_name = upload.stream, upload.filename or "import.csv"
    elif request.mimetype in ("text/csv", "text/plain"):
        stream, default_name = request.stream, "import.csv"
    else:
        raise Problem(415, "Corps attendu : text/csv ou multipart/form-data.",
                      "Expected a text/csv or multipart/form-data body.")
    if not options.get("list"):
        raise Problem(422, "Paramètre « list » manquant : la liste où importer.", "Missing \"list\": the list to import into.",
                      errors={"list": ["requis / required"]})
    mailing_list = find_list(options["list"])
    if mailing_list is None:
        raise Problem(404, f"Liste introuvable : {options['list']}.", "List not found.")
    job = create_job_from_upload(stream, options.get("file_name") or default_name, mailing_list,
                                 f"api:{current_token().name}"[:320], bool(options.get("double_opt_in")),
                                 _mapping(options.get("mapping")))
    start_import(job.id)
    db.session.refresh(job)
    return job, 202, {"Location": url_for("api_v1_imports.follow", job_id=job.id)}


@blp.get("/<int:job_id>")
@blp.scoped("subscribers:write", 404)
@blp.response(200, ImportJobSchema)
def follow(job_id: int):
    """Où en est un import : état, pourcentage, compteurs, lignes refusées / an import's progress and report."""
    return get_or_404(ImportJob, job_id, "Import", "Import")



def import_allowed() -> tuple[str, int]:
    """For nginx's ``auth_request`` in front of ``POST /api/v1/imports`` (up to 200 MB): 204 when the
    request's bearer token may import (``subscribers:write``), 401 or 403 otherwise. nginx sends the
    headers only, so a large body is accepted from nobody the app would refuse. Changes nothing."""
    try:
        _authenticate()
        _require("subscribers:write")
    except Problem as refused:
        return "", refused.code or 401
    return "", 204
