"""Keeping the files an action attaches, and finding the documents someone may see.

Files are attached only by `cases.operations.perform` and `file_request`, as part
of the action that brings them (a message, a note, an answer, the filing, the
delivery): there is no other way to add one. A document is internal when the
action is (its history entry is for staff only); partners never see those.
"""

from __future__ import annotations

import sqlalchemy as sa

from .. import policy
from ..audit import services as audit
from ..auth.models import User
from ..db_types import MAX_ID
from ..extensions import db
from .files import Upload
from .models import Document
from .storage import storage


def attach(case, event, actor: User, uploads: list[tuple[str, Upload]], *, internal: bool) -> list[Document]:
    """Keep each (kind, upload) as a document of `case`, attached by `event`."""
    documents = []
    for kind, upload in uploads:
        document = Document(
            request_id=case.id,
            uploaded_by_id=actor.id,
            kind=kind,
            name=upload.name,
            content_type=upload.content_type,
            size=len(upload.content),
            sha256=upload.sha256,
            internal=internal,
            storage_key=storage().save(upload.content),
            created_at=event.created_at,
        )
        document.event = event
        db.session.add(document)
        documents.append(document)
    return documents


def visible_documents_filter(user: User) -> sa.ColumnElement[bool]:
    return sa.true() if policy.can_see_internal(user) else Document.internal.is_(False)


def documents_of(case, user: User) -> list[Document]:
    """The case's documents `user` may see, oldest first."""
    return list(
        db.session.scalars(
            sa.select(Document)
            .where(Document.request_id == case.id, visible_documents_filter(user))
            .order_by(Document.created_at, Document.id)
        )
    )


def get_visible_document(user: User, case, document_id: int) -> Document | None:
    """The document if `user` may see it on this case (which they may see); None otherwise.

    Every refusal is logged alike, the document missing or internal: one that took longer (the log
    written) would tell a partner which ids are the ministry's internal documents on their request."""
    found = None
    if 0 < document_id <= MAX_ID:
        visible = sa.case((visible_documents_filter(user), True), else_=False)
        found = db.session.execute(
            sa.select(Document, visible).where(Document.id == document_id, Document.request_id == case.id)
        ).one_or_none()
    if found is None:
        audit.record("refused", audit.REFUSED, f"document:{document_id}", f"request:{case.id}")
        return None
    document, may_see = found
    if not may_see:
        audit.record("refused", audit.REFUSED, f"document:{document.id}", f"request:{case.id}")
        return None
    return document


def content_of(document: Document) -> bytes:
    return storage().load(document.storage_key)
