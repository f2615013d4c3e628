"""Notifications: the people an action concerns are told in the app and by email, in their own
language, after the commit, through the outbox; a partner never hears of an internal note."""

from __future__ import annotations

import email
import os
from datetime import timedelta
from email import policy as email_policy
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa

from expertise_app.cases import operations
from expertise_app.db_types import utcnow
from expertise_app.extensions import db
from expertise_app.notifications import jobs, mail
from expertise_app.notifications.models import Delivery, Notification, OutboxEmail, OutboxStatus
from expertise_app.notifications.services import send_digests

from .factories import count, request_data
from .files import PDF, upload
from .pages import text

REDIS_URL = "redis://127.0.0.1:6379/15"

# Who is told of what, from the design's table of audiences (DESIGN.md, cases/workflow.py `concerns`),
# pinned here as data: action, performed by, the cast members told (the performer never is).
TOLD = [
    ("post_message", "unrelated_expert", {"partner", "lead_expert", "team_expert", "manager"}),
    ("post_message", "partner", {"lead_expert", "team_expert", "manager"}),
    ("post_note", "unrelated_expert", {"lead_expert", "team_expert", "manager"}),
    ("ask_partner", "lead_expert", {"partner"}),
    ("hold", "manager", {"partner", "lead_expert", "team_expert"}),
    ("propose_experts", "lead_expert", {"unrelated_expert"}),
    ("assign_lead", "manager", {"lead_expert", "team_expert"}),
]
CAST = ("manager", "unrelated_expert", "lead_expert", "team_expert", "proposed_expert", "partner", "other_partner")


def _told(cast, since_id: int = 0) -> set[str]:
    ids = {n.user_id for n in Notification.query.filter(Notification.id > since_id)}
    return {name for name in CAST if cast[name].id in ids}


def _last_notification_id() -> int:
    return db.session.scalar(db.select(db.func.max(Notification.id))) or 0


def _emails_to(user) -> list[OutboxEmail]:
    return OutboxEmail.query.filter_by(user_id=user.id).order_by(OutboxEmail.id).all()


def _eml_files(app) -> list[email.message.EmailMessage]:
    directory = Path(app.config["MAIL_FILE_PATH"])
    return [
        email.message_from_bytes(path.read_bytes(), policy=email_policy.default)
        for path in sorted(directory.glob("*.eml"))
    ]


@pytest.fixture(autouse=True)
def _empty_mail_directory(app):
    for path in Path(app.config["MAIL_FILE_PATH"]).glob("*.eml"):
        path.unlink()


@pytest.mark.parametrize(("action", "performer", "told"), TOLD)
def test_the_people_an_action_concerns_are_told_and_nobody_else(factory, cast, action, performer, told):
    case = factory.cast_case(cast, "assessed")
    before = _last_notification_id()
    overrides = {"experts": [cast.unrelated_expert.id]} if action == "propose_experts" else {}
    if action == "assign_lead":
        overrides = {"team": [cast.team_expert]}
        factory.fire(case, action, actor=cast[performer], **overrides)
    else:
        factory.fire(case, action, actor=cast[performer], **overrides)
    assert _told(cast, before) == told


def test_a_new_request_tells_the_managers(factory, cast):
    operations.file_request(cast.partner, request_data())
    db.session.commit()
    assert _told(cast) == {"manager"}


def test_a_direction_override_in_someone_s_words_ends_with_them_in_an_email(factory, cast):
    """A plain-text email has no markup to hold a title's direction: a right-to-left override typed in a
    title turned the rest of the email's sentence backwards. Each name and title is set apart in its own
    isolate, which ends whatever direction was opened inside it."""
    overriding = "Plan \u202eelbisiv si siht"
    cast.partner.name = "Ali \u202eraM"
    case = operations.file_request(cast.partner, request_data(title=overriding)).case
    db.session.commit()

    body = _emails_to(cast.manager)[-1].body
    assert f"On the request {case.reference} “\u2068{overriding}\u2069”: Submitted." in body
    assert "By \u2068Ali \u202eraM\u2069, " in body
    assert body.startswith(f"Hello \u2068{cast.manager.name}\u2069,")


def test_an_expert_proposed_for_a_team_is_told_what_is_asked_of_them(factory, cast):
    """The email listed the names proposed, theirs among them, and no more; the lead reads the list alone."""
    case = factory.cast_case(cast, "assessed")
    cast.unrelated_expert.locale = "fr"
    factory.fire(case, "propose_experts", actor=cast.manager, experts=[cast.unrelated_expert.id])
    db.session.commit()

    proposed = _emails_to(cast.unrelated_expert)[-1].body
    assert "Vous êtes proposé pour cette équipe : acceptez ou refusez sur la page de la demande." in proposed
    told_the_lead = _emails_to(cast.lead_expert)[-1]
    assert told_the_lead.subject == f"{case.reference} · Experts proposed"
    assert "proposed for this team" not in told_the_lead.body


def test_an_expert_proposed_in_another_s_place_is_told_what_is_asked_of_them(factory, cast):
    case = factory.cast_case(cast, "assessed")
    factory.fire(case, "decline_proposal", actor=cast.proposed_expert)
    factory.fire(
        case, "replace_expert", actor=cast.manager, expert=cast.proposed_expert.id, replacement=cast.unrelated_expert.id
    )
    db.session.commit()

    assert "You are proposed for this team: accept or decline" in _emails_to(cast.unrelated_expert)[-1].body


def test_the_acceptance_journey_note_question_answer_with_a_pdf_in_each_language(app, factory, cast, signed_in, api):
    cast.partner.locale = "ar"
    cast.lead_expert.locale = "fr"
    db.session.commit()
    case = factory.cast_case(cast, "assessed")
    expert = signed_in(cast.lead_expert)
    expert.post(f"/cases/{case.id}/actions/post_note", {"version": case.version, "body": "Budget serré cette année."})
    expert.post(
        f"/cases/{case.id}/actions/ask_partner",
        {
            "version": case.version,
            "question": "Pouvez-vous envoyer la lettre officielle ?",
            "due_on": (utcnow().date() + timedelta(days=10)).isoformat(),
        },
    )

    # The partner sees the question but not the note: page, API, notifications, emails.
    partner = signed_in(cast.partner)
    page = partner.get(f"/cases/{case.id}").get_data(as_text=True)
    listed = api(cast.partner).get(f"/requests/{case.id}/messages").get_json()["items"]
    assert "Pouvez-vous envoyer" in page and "Budget serré" not in page
    assert [item["kind"] for item in listed] == ["question"]
    partner_mail = "".join(e.subject + e.body for e in _emails_to(cast.partner))
    assert "Pouvez-vous envoyer" in partner_mail and "Budget serré" not in partner_mail
    assert all(
        "Budget serré" not in m.get_body().get_content() for m in _eml_files(app) if cast.partner.email in m["To"]
    )
    question_email = _emails_to(cast.partner)[-1]
    assert (
        question_email.language == "ar" and question_email.subject == f"{case.reference} · سؤال من الوزارة"
    )  # "Question from the ministry": the partner's side of it
    assert question_email.body.startswith(f"مرحبًا \u2068{cast.partner.name}\u2069،")  # the name isolated
    assert question_email.status == OutboxStatus.SENT
    assert f"http://passerelle.test/cases/{case.id}" in question_email.body

    # The partner answers with a PDF; the lead expert is told in the app and by email, in French.
    partner.post(
        f"/cases/{case.id}/actions/answer",
        {"version": case.partner_version, "answer": "Voici la lettre.", "attachments": upload(PDF, "lettre.pdf")},
    )
    unread = api(cast.lead_expert).get("/notifications?unread=true").get_json()
    assert unread["items"][0]["title"] == "Réponse du partenaire"
    assert unread["items"][0]["request"]["reference"] == case.reference
    header = expert.get("/cases").get_data(as_text=True)
    assert 'class="count"' in header
    answer_email = _emails_to(cast.lead_expert)[-1]
    assert answer_email.subject == f"{case.reference} · Réponse du partenaire"
    assert answer_email.body.startswith(f"Bonjour \u2068{cast.lead_expert.name}\u2069,")
    assert "Voici la lettre." in answer_email.body and "lettre.pdf" in answer_email.body
    labels = [line for line in answer_email.body.splitlines() if line.endswith(":")]
    assert labels and all(line.endswith(" :") for line in labels)  # French puts a space before a colon
    written = [m for m in _eml_files(app) if m["Subject"] == answer_email.subject]
    assert written and written[0]["To"] == cast.lead_expert.email

    # Opening the case marks its notifications read.
    expert.get(f"/cases/{case.id}")
    assert api(cast.lead_expert).get("/notifications?unread=true").get_json()["unread"] == 0


def test_a_plan_changed_once_mobilised_is_told_to_the_partner_and_a_draft_plan_is_not(factory, cast, signed_in):
    """The partner hosts the mission: once the team is mobilised, new dates or a new place are theirs to
    read (history, notification, email); before, the plan is the ministry's draft."""
    case = factory.cast_case(cast, "assessed")  # its mission planned in Tunis, its team confirmed
    before = _last_notification_id()
    factory.fire(case, "plan_mission", actor=cast.manager, place="Sfax")
    assert _told(cast, before) == {"lead_expert", "team_expert"}
    partner = signed_in(cast.partner)
    assert "Sfax" not in partner.get(f"/cases/{case.id}").get_data(as_text=True)

    factory.fire(case, "mobilise", actor=cast.manager)
    read, before = case.partner_version, _last_notification_id()
    new_start = utcnow().date() + timedelta(days=300)
    factory.fire(
        case,
        "replan_mission",
        actor=cast.manager,
        place="Kairouan",
        planned_start=new_start.isoformat(),
        planned_end=(new_start + timedelta(days=2)).isoformat(),
    )

    assert _told(cast, before) == {"partner", "lead_expert", "team_expert"}
    assert case.partner_version == read + 1
    mail_ = _emails_to(cast.partner)[-1]
    assert mail_.subject == f"{case.reference} · Mission plan changed"
    assert "Kairouan" in mail_.body
    history = partner.get(f"/cases/{case.id}").get_data(as_text=True).split('id="history-title"', 1)[1]
    assert "Mission plan changed" in history and "Kairouan" in history


def test_who_joins_or_leaves_the_mobilised_team_is_told_to_the_partner(factory, cast, signed_in):
    """Before the mobilisation the team is the ministry's draft (confirming someone tells the team only);
    once mobilised, the partner, who hosts the mission, reads who joins it and who leaves it, but not why."""
    case = factory.cast_case(cast, "skills_mobilised")  # the lead and the team expert confirmed, one proposed
    factory.fire(case, "accept_proposal", actor=cast.proposed_expert)
    read, before = case.partner_version, _last_notification_id()

    factory.fire(case, "add_to_team", actor=cast.manager, expert=cast.proposed_expert.id)

    assert _told(cast, before) == {"partner", "lead_expert", "team_expert", "proposed_expert"}
    assert case.partner_version == read + 1
    joined = _emails_to(cast.partner)[-1]
    assert joined.subject == f"{case.reference} · Expert joined the team"
    assert cast.proposed_expert.name in joined.body

    before = _last_notification_id()
    factory.fire(case, "remove_from_team", actor=cast.manager, expert=cast.team_expert.id, reason="Taken ill.")

    assert _told(cast, before) == {"partner", "lead_expert", "team_expert", "proposed_expert"}
    left = _emails_to(cast.partner)[-1]
    assert left.subject == f"{case.reference} · Expert left the team"
    assert cast.team_expert.name in left.body and "Taken ill." not in left.body
    page = signed_in(cast.partner).get(f"/cases/{case.id}").get_data(as_text=True)
    team = text(page.split('id="mission-title"', 1)[1].split("</dd>", 1)[0])
    assert cast.proposed_expert.name in team and cast.team_expert.name not in team
    history = text(page.split('id="history-title"', 1)[1])
    assert "Expert joined the team" in history and "Expert left the team" in history
    assert "Taken ill." not in page


@pytest.mark.parametrize("state", ["skills_mobilised", "mission_delivered"])
def test_a_lead_handed_over_once_mobilised_is_told_to_the_partner(factory, cast, signed_in, state):
    """The partner reads the mobilised team and who leads it: a new lead is theirs to know, by the history
    and an email, as a new member is."""
    case = factory.cast_case(cast, state)
    read, before = case.partner_version, _last_notification_id()

    factory.fire(case, "hand_over_lead", actor=cast.manager, lead_expert=cast.team_expert.id)

    assert _told(cast, before) == {"partner", "lead_expert", "team_expert"}
    assert case.partner_version == read + 1
    told = _emails_to(cast.partner)[-1]
    assert told.subject == f"{case.reference} · Lead expert changed"
    assert cast.team_expert.name in told.body
    page = signed_in(cast.partner).get(f"/cases/{case.id}").get_data(as_text=True)
    team = text(page.split('id="mission-title"', 1)[1].split("</dd>", 1)[0])
    assert f"{cast.team_expert.name} lead" in team and f"{cast.lead_expert.name} lead" not in team
    assert "Lead expert changed" in text(page.split('id="history-title"', 1)[1])


def test_a_plan_sent_again_unchanged_tells_nobody_and_writes_nothing(factory, cast):
    case = factory.cast_case(cast, "skills_mobilised")
    mission = case.mission
    same = {
        "mission_format": mission.format,
        "place": mission.place,
        "planned_start": mission.planned_start.isoformat(),
        "planned_end": mission.planned_end.isoformat(),
    }
    before, events = _last_notification_id(), len(case.events)
    with pytest.raises(operations.NothingToDo):
        operations.perform(case, "replan_mission", cast.manager, same, case.version)
    db.session.rollback()
    assert (_last_notification_id(), len(case.events)) == (before, events)


def test_a_refused_action_tells_nobody(factory, cast, signed_in):
    case = factory.cast_case(cast, "assessed")
    before, emails = _last_notification_id(), count(OutboxEmail)
    response = signed_in(cast.partner).post(
        f"/cases/{case.id}/actions/post_message", {"version": case.partner_version - 1, "body": "Hello"}
    )
    assert response.status_code == 409
    response = signed_in(cast.partner).post(
        f"/cases/{case.id}/actions/post_message", {"version": case.partner_version, "body": ""}
    )
    assert response.status_code == 422
    assert (_last_notification_id(), count(OutboxEmail)) == (before, emails)


def test_a_partner_never_hears_of_another_organisation_s_request(factory, cast):
    case = factory.cast_case(cast, "assessed")
    factory.fire(case, "post_message", actor=cast.manager)
    assert not Notification.query.filter_by(user_id=cast.other_partner.id).count()
    assert not _emails_to(cast.other_partner)


def test_preferences_none_and_digest(factory, cast, signed_in):
    case = factory.cast_case(cast, "assessed")
    visitor = signed_in(cast.partner)
    visitor.get("/notifications")
    assert visitor.post("/notifications/preferences", {"email_notifications": "digest"}).status_code == 302
    assert visitor.post("/notifications/preferences", {"email_notifications": "hourly"}).status_code == 422
    before = len(_emails_to(cast.partner))
    factory.fire(case, "post_message", actor=cast.manager)
    factory.fire(case, "hold", actor=cast.manager)
    assert len(_emails_to(cast.partner)) == before  # not at once: in the digest
    assert send_digests() >= 1
    db.session.commit()
    digest = _emails_to(cast.partner)[-1]
    assert len(_emails_to(cast.partner)) == before + 1
    assert "2 new notifications" in digest.subject and case.reference in digest.body
    assert send_digests() == 0  # told once
    db.session.commit()

    signed_in(cast.lead_expert).post(
        "/notifications/preferences", {"email_notifications": "none"}, token_from="/notifications"
    )
    before = len(_emails_to(cast.lead_expert))
    factory.fire(case, "post_message", actor=cast.partner)
    assert len(_emails_to(cast.lead_expert)) == before
    assert Notification.query.filter_by(user_id=cast.lead_expert.id).count() > 0


def test_marking_read_touches_only_one_s_own_notifications(factory, cast, signed_in):
    case = factory.cast_case(cast, "assessed")
    factory.fire(case, "post_message", actor=cast.partner)
    mine = Notification.query.filter_by(user_id=cast.manager.id).first()
    theirs = Notification.query.filter_by(user_id=cast.lead_expert.id).first()
    visitor = signed_in(cast.manager)
    visitor.get("/notifications")
    visitor.post(f"/notifications/{theirs.id}/read", {})
    visitor.post(f"/notifications/{mine.id}/read", {})
    db.session.expire_all()
    assert mine.read_at is not None and theirs.read_at is None


def test_a_failed_email_is_recorded_and_sent_again_later_with_back_off(factory, cast, monkeypatch):
    case = factory.cast_case(cast, "assessed")

    def broken(*args, **kwargs):
        raise ConnectionRefusedError("SMTP server down")

    monkeypatch.setattr(mail, "send", broken)
    factory.fire(case, "ask_partner", actor=cast.lead_expert)
    failed = _emails_to(cast.partner)[-1]
    assert (failed.status, failed.attempts) == (OutboxStatus.FAILED, 1)
    assert "SMTP server down" in failed.last_error and failed.next_attempt_at > utcnow()
    assert jobs.send_due() == (0, 0)  # not due yet
    monkeypatch.undo()
    assert jobs.send_due(now=failed.next_attempt_at + timedelta(seconds=1)) == (1, 0)
    db.session.expire_all()
    assert (failed.status, failed.attempts) == (OutboxStatus.SENT, 2)


def test_headers_carry_no_line_break_from_a_title():
    assert mail.one_line("EXP-1 · Title\r\nBcc: victim@example.org") == "EXP-1 · Title Bcc: victim@example.org"


@pytest.fixture
def real_redis(app, monkeypatch):
    """The machine's Redis (a database of the tests' own); CI starts one, so there it must be up."""
    connection = redis.Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except redis.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip("needs Redis on 127.0.0.1:6379")
    connection.flushdb()
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    yield connection
    connection.flushdb()


def test_with_redis_an_action_enqueues_a_job_that_the_worker_sends(app, factory, cast, signed_in, real_redis):
    app.config["REDIS_URL"] = None
    case = factory.cast_case(cast, "assessed")
    app.config["REDIS_URL"] = REDIS_URL
    for path in Path(app.config["MAIL_FILE_PATH"]).glob("*.eml"):
        path.unlink()
    queue = jobs.mail_queue(real_redis)
    queue.empty()
    signed_in(cast.lead_expert).post(
        f"/cases/{case.id}/actions/post_message", {"version": case.version, "body": "Bonjour, une question."}
    )
    waiting = _emails_to(cast.partner)[-1]
    assert waiting.status == OutboxStatus.PENDING and "Bonjour, une question." in waiting.body
    assert queue.count == 3 and not _eml_files(app)  # the partner, the team expert, the manager

    jobs.worker(app, real_redis).work(burst=True)

    db.session.expire_all()
    assert waiting.status == OutboxStatus.SENT and queue.count == 0
    assert {m["To"] for m in _eml_files(app)} == {cast.partner.email, cast.team_expert.email, cast.manager.email}


def test_with_redis_a_refused_action_enqueues_nothing(factory, cast, signed_in, real_redis):
    case = factory.cast_case(cast, "assessed")
    queue = jobs.mail_queue(real_redis)
    queue.empty()
    signed_in(cast.partner).post(
        f"/cases/{case.id}/actions/post_message", {"version": case.partner_version, "body": ""}
    )
    assert queue.count == 0


def test_the_notifications_page_lists_and_links_to_the_case(factory, cast, signed_in):
    visitor = signed_in(cast.partner)
    assert "Nothing yet" in visitor.get("/notifications").get_data(as_text=True)
    case = factory.cast_case(cast, "assessed")
    factory.fire(case, "post_message", actor=cast.manager)
    page = visitor.get("/notifications").get_data(as_text=True)
    assert f'href="/cases/{case.id}#event-' in page and case.reference in page


def test_choosing_the_digest_starts_from_now_and_leaves_out_what_was_read(factory, cast, signed_in):
    case = factory.cast_case(cast, "assessed")  # the partner is told of the filing's steps, by email each time
    cast.partner.email_notifications = "none"
    db.session.commit()
    factory.fire(case, "post_message", actor=cast.manager)  # told in the app only
    visitor = signed_in(cast.partner)
    visitor.get("/notifications")
    visitor.post("/notifications/preferences", {"email_notifications": "digest"})
    assert send_digests() == 0  # nothing from before the choice
    factory.fire(case, "hold", actor=cast.manager)
    factory.fire(case, "resume", actor=cast.manager)
    visitor.get(f"/cases/{case.id}")  # reads them in the app
    factory.fire(case, "post_message", actor=cast.manager)
    assert send_digests() == 1
    db.session.commit()
    assert "1 new notification" in _emails_to(cast.partner)[-1].subject


def test_a_page_number_out_of_range_shows_the_last_page_not_an_error(factory, cast, signed_in):
    visitor = signed_in(cast.partner)
    assert visitor.get("/notifications?page=922337203685477580").status_code == 200


def _notify(user, case, how_many: int) -> None:
    db.session.add_all(Notification(user_id=user.id, request_id=case.id, title="Hello") for _ in range(how_many))
    db.session.commit()


def test_the_header_counts_unread_notifications_and_says_99_plus_beyond(factory, cast, signed_in):
    visitor = signed_in(cast.lead_expert)
    case = factory.cast_case(cast, "assessed")
    Notification.query.filter_by(user_id=cast.lead_expert.id).delete()
    db.session.commit()
    assert '<span class="count">' not in visitor.get("/notifications").get_data(as_text=True)
    _notify(cast.lead_expert, case, 3)
    header = visitor.get("/notifications").get_data(as_text=True)
    assert '<span class="count">3</span>' in header and "3 unread" in header
    _notify(cast.lead_expert, case, 97)
    header = visitor.get("/notifications").get_data(as_text=True)
    assert '<span class="count">99+</span>' in header and "more than 99 unread" in header
    assert _unread_of(cast.lead_expert) == 100


def _unread_of(user) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


# The steps that move a request on, as a partner's list names the state they reach, and as the ministry's
# history names them.
PARTNER_WORDS = {"assess": "Accepted", "mobilise": "Experts found", "deliver": "Mission done"}
MINISTRY_WORDS = {"assess": "Assessed", "mobilise": "Team mobilised", "deliver": "Mission delivered"}


def test_a_partner_is_told_of_each_step_in_the_words_of_their_list_and_the_ministry_in_its_own(
    factory, cast, signed_in, api
):
    case = factory.cast_case(cast, "mission_delivered")

    partner_page = text(signed_in(cast.partner).get("/notifications").get_data(as_text=True))
    lead_page = text(signed_in(cast.lead_expert).get("/notifications").get_data(as_text=True))
    partner_titles = {item["title"] for item in api(cast.partner).get("/notifications?per_page=100").json["items"]}
    partner_subjects = {email.subject for email in _emails_to(cast.partner)}

    for step in PARTNER_WORDS:
        assert f"{case.reference} · {PARTNER_WORDS[step]}" in partner_page
        assert MINISTRY_WORDS[step] not in partner_page
        assert PARTNER_WORDS[step] in partner_titles and MINISTRY_WORDS[step] not in partner_titles
        assert f"{case.reference} · {PARTNER_WORDS[step]}" in partner_subjects
        assert f"{case.reference} · {MINISTRY_WORDS[step]}" in lead_page


def test_a_digest_tells_a_partner_of_each_step_in_the_words_of_their_list(factory, cast):
    cast.partner.email_notifications = Delivery.DIGEST
    db.session.commit()
    case = factory.cast_case(cast, "assessed")
    # Kept as notifications were written before partners read their own words for the steps.
    db.session.execute(sa.update(Notification).where(Notification.user_id == cast.partner.id).values(title="Assessed"))
    db.session.commit()

    assert send_digests() >= 1
    db.session.commit()

    body = _emails_to(cast.partner)[-1].body
    assert f"{case.reference} · Accepted" in body and "Assessed" not in body
