"""The audit log: sign-ins, refusals, exports, downloads, account changes and every change of a
case, with who, when, from where and how it ended; kept when the request is refused; one line
each; and never changed (by the ORM, and on PostgreSQL by the database itself)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from expertise_app.audit import services as audit
from expertise_app.audit.models import AuditEntry
from expertise_app.extensions import db

from .factories import Factory, request_data
from .files import PDF, upload


def _log() -> list[tuple]:
    db.session.expire_all()
    rows = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id))
    return [(row.action, row.outcome, row.actor_email, row.target) for row in rows]


def test_sign_ins_and_sign_outs_are_logged_with_the_address(cast, visitor_factory):
    visitor = visitor_factory()
    visitor.client.environ_base["REMOTE_ADDR"] = "192.0.2.44"
    visitor.get("/login")
    visitor.post("/login", {"email": "nobody@example.org", "password": "wrong-password"})
    visitor.post("/login", {"email": cast.partner.email, "password": "wrong-password"})
    visitor.post("/login", {"email": cast.partner.email, "password": Factory.PASSWORD})
    visitor.logout()
    assert _log() == [
        ("sign_in", "failed", "nobody@example.org", None),
        ("sign_in", "failed", cast.partner.email, None),
        ("sign_in", "success", cast.partner.email, None),
        ("sign_out", "success", cast.partner.email, None),
    ]
    assert {row.address for row in db.session.scalars(sa.select(AuditEntry))} == {"192.0.2.44"}


def test_refusals_are_kept_although_the_request_is_rolled_back(factory, cast, signed_in, api):
    case = factory.cast_case(cast, "submitted")
    foreign = factory.case(author=cast.other_partner)
    partner = signed_in(cast.partner)
    partner.get(f"/cases/{case.id}")
    assert partner.post(f"/cases/{case.id}/actions/assess", {"version": case.version}).status_code == 403
    assert partner.get(f"/cases/{foreign.id}").status_code == 404
    assert api(cast.partner).get(f"/requests/{foreign.id}").status_code == 404
    assert signed_in(cast.lead_expert).get("/accounts").status_code == 404
    assert partner.get("/dashboard").status_code == 404
    assert api(cast.partner).get("/dashboard").status_code == 404
    refused = [entry for entry in _log() if entry[0] == "refused"]
    assert refused == [
        ("refused", "refused", cast.partner.email, f"request:{case.id}"),
        ("refused", "refused", cast.partner.email, f"request:{foreign.id}"),
        ("refused", "refused", cast.partner.email, f"request:{foreign.id}"),
        ("refused", "refused", cast.lead_expert.email, "/accounts"),
        ("refused", "refused", cast.partner.email, "/dashboard"),
        ("refused", "refused", cast.partner.email, "/api/v1/dashboard"),
    ]


def test_a_partner_s_404s_are_logged_alike_whether_the_thing_is_internal_foreign_or_missing(factory, cast, signed_in):
    """A refusal that alone wrote the log would answer later: its timing would tell a partner which
    ids are the ministry's internal documents, or another organisation's requests."""
    case = factory.cast_case(cast, "submitted")
    foreign = factory.case(author=cast.other_partner)
    signed_in(cast.lead_expert).post(
        f"/cases/{case.id}/actions/post_note",
        {"version": case.version, "body": "Budget.", "attachments": upload(PDF, "budget.pdf")},
    )
    internal = db.session.scalar(sa.text("SELECT max(id) FROM documents"))
    partner = signed_in(cast.partner)
    before = len(_log())

    for path in (
        f"/cases/{case.id}/documents/{internal}",  # the ministry's, on their own request
        f"/cases/{case.id}/documents/{internal + 1000}",  # none
        f"/cases/{foreign.id}",  # another organisation's request
        f"/cases/{foreign.id + 1000}",  # none
    ):
        assert partner.get(path).status_code == 404

    assert [entry[:3] for entry in _log()[before:]] == [("refused", "refused", cast.partner.email)] * 4


def test_every_change_of_a_case_is_logged_with_it_and_a_refused_one_is_not(factory, cast, signed_in):
    partner = signed_in(cast.partner)
    partner.get("/cases/new")
    assert partner.post("/cases/new", request_data()).status_code == 302
    filed = [entry for entry in _log() if entry[0] == "case_change"]
    assert len(filed) == 1 and filed[0][2] == cast.partner.email
    case_id = int(filed[0][3].split(":")[1])
    detail = db.session.scalar(sa.select(AuditEntry.detail).where(AuditEntry.action == "case_change"))
    assert detail == "submit: - -> submitted"
    partner.get(f"/cases/{case_id}")
    assert partner.post(f"/cases/{case_id}/actions/withdraw", {"version": 99}).status_code == 422  # never had
    assert len([entry for entry in _log() if entry[0] == "case_change"]) == 1


def test_exports_and_downloads_are_logged(factory, cast, signed_in, api):
    case = factory.cast_case(cast, "assessed")
    partner = signed_in(cast.partner)
    partner.get(f"/cases/{case.id}")
    partner.post(
        f"/cases/{case.id}/actions/post_message",
        {"version": case.partner_version, "body": "La lettre.", "attachments": upload(PDF, "lettre.pdf")},
        content_type="multipart/form-data",
    )
    document_id = db.session.scalar(sa.text("SELECT max(id) FROM documents"))
    manager = signed_in(cast.manager)
    assert manager.get("/cases/export.csv?field=MUS").status_code == 200
    assert manager.get(f"/cases/{case.id}/documents/{document_id}").status_code == 200
    assert api(cast.manager).get(f"/requests/{case.id}/documents/{document_id}").status_code == 200
    logged = [entry for entry in _log() if entry[0] in ("export", "download")]
    assert logged == [
        ("export", "success", cast.manager.email, "csv"),
        ("download", "success", cast.manager.email, f"document:{document_id}"),
        ("download", "success", cast.manager.email, f"document:{document_id}"),
    ]


def test_an_entry_is_one_line_and_bounded(app, cast):
    with app.test_request_context():
        audit.record(
            "sign_in", audit.FAILED, detail="forged\nsign_in success\r" + "x" * 1000, email="a\x00b@example.org"
        )
        audit.write_kept()
    entry = db.session.scalar(sa.select(AuditEntry))
    assert "\n" not in entry.detail and "\r" not in entry.detail and len(entry.detail) == 300
    assert entry.actor_email == "a b@example.org"


def test_the_log_cannot_be_changed_through_the_app(app, cast, visitor_factory):
    visitor_factory().login(cast.partner.email)
    entry = db.session.scalar(sa.select(AuditEntry))
    entry.outcome = "failed"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.scalar(sa.select(AuditEntry)))
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()


@pytest.mark.postgres
@pytest.mark.parametrize("statement", ["UPDATE audit_log SET outcome = 'failed'", "DELETE FROM audit_log"])
def test_on_postgresql_the_database_itself_refuses_to_change_the_log(cast, visitor_factory, statement):
    visitor_factory().login(cast.partner.email)
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), db.engine.begin() as connection:
        connection.exec_driver_sql(statement)
    assert len(_log()) == 1


def test_managers_read_and_filter_the_log_and_nobody_else_does(cast, signed_in, visitor_factory):
    visitor_factory().post("/login", {"email": cast.partner.email, "password": "wrong-password"})
    manager = signed_in(cast.manager)
    page = manager.get("/audit", query_string={"action": "sign_in", "outcome": "failed"}).get_data(as_text=True)
    assert cast.partner.email in page and "1 entry" in page
    assert "0 entries" in manager.get("/audit", query_string={"who": "nobody"}).get_data(as_text=True)
    for person in ("partner", "lead_expert"):
        assert signed_in(cast[person]).get("/audit").status_code == 404
