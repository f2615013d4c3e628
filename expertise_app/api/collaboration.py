"""Endpoints for working together on a request: its messages and notes, its documents, and
everyone's notifications.

Writing goes through the same declared actions as the pages (`post_message`,
`post_note`), so the same policy, validation, history and notifications apply;
reading goes through the same visibility rules (no note, no internal document
for a partner; another organisation's request is 404).
"""

from __future__ import annotations

from typing import Any

from flask import request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import NotFound

from ..auth import throttle
from ..cases import operations
from ..cases.models import Event
from ..cases.presenters import WRITING, visible_data, visible_history
from ..cases.workflow import ACTIONS
from ..documents import services as documents
from ..documents.models import Document
from ..documents.views import download_response
from ..notifications import services as notifications
from ..notifications.models import Notification
from ..pagination import paginate
from ..translation import gettext as _
from .schemas import (
    DocumentListSchema,
    MessageListSchema,
    MessageSchema,
    NotificationPageSchema,
    NotificationQuerySchema,
)
from .views import FieldErrors, _person, blp, caller, check_shapes, json_object, load_case


def document_json(document: Document) -> dict[str, Any]:
    return {
        "id": document.id,
        "name": document.name,
        "kind": document.kind,
        "content_type": document.content_type,
        "size": document.size,
        "sha256": document.sha256,
        "internal": document.internal,
        "uploaded_by": _person(document.uploaded_by),
        "uploaded_at": document.created_at,
        "download_url": url_for(
            "api.download_document", request_id=document.request_id, document_id=document.id, _external=False
        ),
    }


def _message_json(event: Event, data: dict, attached: list[Document]) -> dict[str, Any]:
    kind, text_field = WRITING[event.trigger]
    return {
        "id": event.id,
        "kind": kind,
        "body": data.get(text_field) or "",
        "author": _person(event.actor),
        "at": event.created_at,
        "documents": [document_json(document) for document in attached],
    }


def _messages(case, user) -> list[dict[str, Any]]:
    attached: dict[int, list[Document]] = {}
    for document in documents.documents_of(case, user):
        attached.setdefault(document.event_id, []).append(document)
    return [
        _message_json(event, data, attached.get(event.id, []))
        for event, data in visible_history(case, user)
        if event.trigger in WRITING
    ]


def _internal_flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in (None, "", "false", "0"):
        return False
    if value in ("true", "1"):
        return True
    raise FieldErrors({"internal": [_("Must be true or false.")]})


# A message's or a document's optional `version`, as the API's description says it.
VERSION_READ = {
    "type": "integer",
    "minimum": 1,
    "description": "the request's version you read (GET /requests/{id}): the post is refused (409) if the "
    "request changed since, as you see it (your own post sent again after it was written, or a message "
    "written meanwhile), rather than made twice or past what you have not read; left out, it goes on the "
    "request as it is now",
}


def _version_sent(value: Any) -> int | None:
    """The version of the request the client read, if it says (a number in JSON, digits in a form)."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise FieldErrors({"version": [_("The version of the request you read: an integer, or leave it out.")]})


def _write(
    case, user, internal: bool, data: dict[str, Any], version: int | None, files: MultiDict | None = None
) -> Event:
    """Post a message (or, `internal`, a note) through the one write path; the new history entry.
    With the `version` the client read, the same post sent again once it is written (a retry after a
    lost answer) is refused as stale (409) rather than posted twice; without it, it goes on the
    request as it is now."""
    name = "post_note" if internal else "post_message"
    expected = case.version_seen_by(user) if version is None else version
    return operations.perform_recorded(case, name, user, data, expected, files=files)


@blp.route("/requests/<int:request_id>/messages")
@blp.doc(operationId="list_messages")
@blp.response(200, MessageListSchema)
@blp.alt_response(404, response="NOT_FOUND")
def list_messages(request_id: int):
    """The request's messages, questions and answers, oldest first; internal notes for staff only."""
    user = caller()
    return {"items": _messages(load_case(request_id), user)}


@blp.route("/requests/<int:request_id>/messages", methods=["POST"])
@throttle.limit_writing
@blp.doc(
    operationId="post_message",
    requestBody={
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "body": {"type": "string", "minLength": 1, "maxLength": 10000},
                        "internal": {"type": "boolean", "default": False, "description": "a note, for staff only"},
                        "version": VERSION_READ,
                    },
                    "required": ["body"],
                }
            }
        },
    },
)
@blp.response(201, MessageSchema)
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def post_message(request_id: int):
    """Write on the request: a message the partner's organisation and the ministry read, or
    (`internal`, staff only) a note for the ministry."""
    user = caller()
    case = load_case(request_id)
    body = json_object()
    internal = _internal_flag(body.pop("internal", False))
    version = _version_sent(body.pop("version", None))
    check_shapes(ACTIONS["post_note" if internal else "post_message"].form, body)
    event = _write(case, user, internal, {"body": body.get("body", "")}, version)
    return _message_of(case, user, event), 201


def _message_of(case, user, event: Event) -> dict[str, Any]:
    """The message just written, as its author may read it."""
    attached = [document for document in documents.documents_of(case, user) if document.event_id == event.id]
    return _message_json(event, visible_data(event, user) or {}, attached)


@blp.route("/requests/<int:request_id>/documents")
@blp.doc(operationId="list_documents")
@blp.response(200, DocumentListSchema)
@blp.alt_response(404, response="NOT_FOUND")
def list_documents(request_id: int):
    """The request's documents the caller may see, with their download links."""
    user = caller()
    case = load_case(request_id)
    return {"items": [document_json(document) for document in documents.documents_of(case, user)]}


@blp.route("/requests/<int:request_id>/documents", methods=["POST"])
@throttle.limit_writing
@blp.doc(
    operationId="upload_documents",
    requestBody={
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "array", "items": {"type": "string", "format": "binary"}, "maxItems": 5},
                        "body": {"type": "string", "maxLength": 10000, "description": "a message to go with them"},
                        "internal": {"type": "boolean", "description": "attached to a note, for staff only"},
                        "version": VERSION_READ,
                    },
                    "required": ["file"],
                }
            }
        },
    },
)
@blp.response(201, MessageSchema)
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(413, response="REQUEST_ENTITY_TOO_LARGE")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def upload_documents(request_id: int):
    """Attach files (PDF, Office, OpenDocument, images; type checked from the content) with a message,
    or with a note when `internal` (staff)."""
    user = caller()
    case = load_case(request_id)
    files = request.files.getlist("file")
    if not [file for file in files if file.filename]:
        raise FieldErrors({"file": [_("Send at least one file, as multipart/form-data in the field “file”.")]})
    internal = _internal_flag(request.form.get("internal"))
    version = _version_sent(request.form.get("version"))
    uploads = MultiDict([("attachments", file) for file in files])
    event = _write(case, user, internal, {"body": request.form.get("body", "")}, version, files=uploads)
    return _message_of(case, user, event), 201


@blp.route("/requests/<int:request_id>/documents/<int:document_id>")
@blp.doc(
    operationId="download_document",
    responses={200: {"description": "The file, as an attachment", "content": {"application/octet-stream": {}}}},
)
@blp.alt_response(404, response="NOT_FOUND")
def download_document(request_id: int, document_id: int):
    """The file itself, for those who may see the request and the document."""
    user = caller()
    case = load_case(request_id)
    document = documents.get_visible_document(user, case, document_id)
    if document is None:
        raise NotFound(_("No such document."))
    return download_response(document)


@blp.route("/notifications")
@blp.doc(operationId="list_notifications")
@blp.arguments(NotificationQuerySchema, location="query", as_kwargs=True)
@blp.response(200, NotificationPageSchema)
def list_notifications(page: int, per_page: int, unread: bool):
    """Your notifications, newest first: what happened on the requests that concern you."""
    user = caller()
    query = notifications.of_user(user)
    if unread:
        query = query.where(Notification.read_at.is_(None))
    result = paginate(query, page, per_page)
    return {
        "items": [
            {
                "id": item.id,
                "request": {"id": item.request_id, "reference": item.request.reference},
                "title": notifications.title_of(item, user),
                "event_id": item.event_id,
                "created_at": item.created_at,
                "read": item.read_at is not None,
            }
            for item in result.items
        ],
        "unread": notifications.unread_count(user),
        "total": result.total,
        "page": page,
        "per_page": per_page,
        "pages": result.pages,
    }
