"""Downloading a document: only for those who may see the case and the document, as an attachment."""

from __future__ import annotations

import io

from flask import Blueprint, abort, send_file
from flask_login import current_user, login_required

from ..audit import services as audit
from ..cases import operations
from ..downloads import as_download
from . import services

bp = Blueprint("documents", __name__, url_prefix="/cases")


def download_response(document):
    """The file as a download that no browser renders or sniffs, with its SHA-256 for checking
    (from a page or the API: both are logged)."""
    audit.record("download", target=f"document:{document.id}", detail=f"request:{document.request_id}")
    response = send_file(
        io.BytesIO(services.content_of(document)),
        mimetype=document.content_type,
        as_attachment=True,
        download_name=document.name,
        etag=document.sha256,
        max_age=0,
    )
    as_download(response)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox; frame-ancestors 'none'"
    return response


@bp.route("/<int:case_id>/documents/<int:document_id>")
@login_required
def download(case_id: int, document_id: int):
    try:
        case = operations.get_visible_case(current_user, case_id)
    except operations.NotFound:
        abort(404)
    document = services.get_visible_document(current_user, case, document_id)
    if document is None:
        abort(404)
    return download_response(document)
