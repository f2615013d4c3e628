"""The data a partner gives to file a request, and the data each action on a case needs."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import g, has_request_context
from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..auth.models import Role, User
from ..extensions import db
from ..forms import (
    CheckboxListField,
    InputForm,
    VocabularyMultiSelect,
    VocabularyRadio,
    VocabularySelect,
    end_not_before,
)
from ..reference import (
    ACCEPTANCE,
    ASSESSMENT_CRITERIA,
    ASSISTANCE_TYPES,
    CHECK_ANSWERS,
    COUNTRIES,
    DECLINE_REASONS,
    FIELDS,
    FOLLOW_UPS,
    INSTRUMENTS,
    LANGUAGES,
    MISSION_FORMATS,
    PRIORITIES,
    REDIRECT_DESTINATIONS,
)


def _optional_int(value) -> int | None:
    if value in (None, ""):
        return None
    return int(value)


def expert_choices() -> list[tuple[int, str]]:
    """Active experts, labelled with their department, for team and lead pickers.

    Read once per request however many forms a page shows.
    """
    if has_request_context() and "expert_choices" in g:
        return g.expert_choices
    experts = db.session.scalars(
        sa.select(User)
        .where(User.role == Role.EXPERT, User.active.is_(True))
        .options(so.selectinload(User.profile))
        .order_by(User.name)
    )
    choices = [(expert.id, _expert_label(expert)) for expert in experts]
    if has_request_context():
        g.expert_choices = choices
    return choices


def _expert_label(expert: User) -> str:
    if expert.profile and expert.profile.department:
        return f"{expert.name} — {expert.profile.department}"
    return expert.name


def not_in_past(form, field: DateField) -> None:
    if field.data and field.data < form.today and not _unchanged(form, field):
        raise ValidationError(_l("This date is in the past."))


def _unchanged(form, field) -> bool:
    """An edit keeps this value as it was (a date that has passed since filing stays valid)."""
    case = getattr(form, "case", None)
    return case is not None and getattr(case, field.name, None) == field.data


class RequestFields(InputForm):
    """What a partner writes in an expertise request."""

    title = StringField(_l("Title"), [DataRequired(), Length(min=5, max=150)])
    field = VocabularySelect(_l("Field of expertise"), [DataRequired()], vocabulary=FIELDS)
    country = VocabularySelect(_l("Country of the action"), [DataRequired()], vocabulary=COUNTRIES)
    assistance_type = VocabularySelect(_l("Type of assistance"), [DataRequired()], vocabulary=ASSISTANCE_TYPES)
    instrument = VocabularySelect(_l("Instrument"), [DataRequired()], vocabulary=INSTRUMENTS)
    context = TextAreaField(
        _l("Context and justification"),
        [DataRequired(), Length(min=50, max=4000)],
        description=_l("Why this request, and why now (50 to 4,000 characters)."),
    )
    objectives = TextAreaField(_l("Objectives"), [DataRequired(), Length(max=4000)])
    expected_results = TextAreaField(_l("Expected results"), [DataRequired(), Length(max=4000)])
    period_start = DateField(_l("Desired period: from"), [InputRequired(), not_in_past])
    period_end = DateField(_l("Desired period: to"), [InputRequired(), end_not_before("period_start")])
    working_languages = VocabularyMultiSelect(
        _l("Working languages"),
        [DataRequired(_l("Choose at least one working language."))],
        vocabulary=LANGUAGES,
    )
    participants_expected = IntegerField(
        _l("Expected participants"),
        [Optional(), NumberRange(min=1, max=500)],
        description=_l("1 to 500; leave empty if not relevant."),
    )


class RequestForm(RequestFields):
    """A partner's new expertise request."""


class ActionForm(InputForm):
    """The data of one action on a case; `case` is the request it applies to.

    A form shown empty (`formdata=None`, `blank`) starts from what the case holds
    now where that makes sense, so that a person edits rather than retypes.
    """

    def __init__(self, *args, case=None, **kwargs):
        blank = kwargs.get("formdata", args[0] if args else None) is None
        if case is not None and self.prefills_from_case:
            kwargs.setdefault("obj", case)  # fields the data leaves out keep the case's values
        super().__init__(*args, **kwargs)
        self.case = case
        self.blank = blank
        self.bind_choices()

    prefills_from_case = False

    def bind_choices(self) -> None:
        """Fill choices and defaults that depend on the database or on the case."""


def _checklist_fields() -> dict[str, object]:
    """One answer (yes / no / unknown) and one note per assessment criterion."""
    fields: dict[str, object] = {}
    for code in ASSESSMENT_CRITERIA.codes:
        fields[f"check_{code}"] = VocabularyRadio(
            ASSESSMENT_CRITERIA.lazy_label(code), [DataRequired()], vocabulary=CHECK_ANSWERS, default="unknown"
        )
        fields[f"note_{code}"] = StringField(_l("Note"), [Optional(), Length(max=500)])
    return fields


CHECKLIST_FIELDS = _checklist_fields()


class AssessForm(ActionForm):
    acceptance = VocabularyRadio(_l("Decision"), [DataRequired()], vocabulary=ACCEPTANCE, default="as_filed")
    field = VocabularySelect(_l("Confirmed field of expertise"), [DataRequired()], vocabulary=FIELDS)
    priority = VocabularySelect(_l("Priority"), [DataRequired()], vocabulary=PRIORITIES, blank=False, default="normal")
    lead_expert = SelectField(_l("Lead expert"), [Optional()], coerce=_optional_int)
    eligibility_notes = TextAreaField(_l("Eligibility notes"), [DataRequired(), Length(max=4000)])

    def bind_choices(self) -> None:
        self.lead_expert.choices = [("", _l("No lead expert yet")), *expert_choices()]
        if self.case is not None and not self.field.data:
            self.field.data = self.case.field
        if self.case is not None and self.blank and self.lead_expert.data is None:
            self.lead_expert.data = self.case.lead_expert_id


for _name, _field in CHECKLIST_FIELDS.items():
    setattr(AssessForm, _name, _field)


class DeclineForm(ActionForm):
    decline_reason = VocabularySelect(_l("Reason code"), [DataRequired()], vocabulary=DECLINE_REASONS)
    reason = TextAreaField(
        _l("Reason"), [DataRequired(), Length(min=10, max=4000)], description=_l("Shown to the partner.")
    )


class RedirectForm(ActionForm):
    destination = VocabularySelect(_l("Redirected to"), [DataRequired()], vocabulary=REDIRECT_DESTINATIONS)
    destination_detail = StringField(
        _l("Which one, and whom to contact"),
        [Optional(), Length(max=200)],
        description=_l("For example the operator's name, or the contact at the EU Delegation."),
    )
    reason = TextAreaField(
        _l("Reason"), [DataRequired(), Length(min=10, max=4000)], description=_l("Shown to the partner.")
    )


class MobiliseForm(ActionForm):
    team = CheckboxListField(_l("Team"), [DataRequired(_l("Choose at least one expert."))], coerce=int)
    lead_expert = SelectField(_l("Lead expert"), [InputRequired(_l("Choose the lead expert."))], coerce=_optional_int)
    mission_format = VocabularySelect(_l("Mission format"), [DataRequired()], vocabulary=MISSION_FORMATS)
    place = StringField(_l("Place"), [DataRequired(), Length(max=200)])
    planned_start = DateField(_l("Planned start"), [InputRequired()])
    planned_end = DateField(_l("Planned end"), [InputRequired(), end_not_before("planned_start")])

    def bind_choices(self) -> None:
        experts = expert_choices()
        self.team.choices = experts
        self.lead_expert.choices = [("", _l("Choose…")), *experts]
        if self.case is not None and self.lead_expert.data is None:
            self.lead_expert.data = self.case.lead_expert_id

    def validate_lead_expert(self, field: SelectField) -> None:
        if field.data is not None and field.data not in (self.team.data or []):
            raise ValidationError(_l("The lead expert must be a member of the team."))


class DeliverForm(ActionForm):
    actual_start = DateField(_l("Actual start"), [InputRequired()])
    actual_end = DateField(_l("Actual end"), [InputRequired(), end_not_before("actual_start")])
    report = TextAreaField(_l("Mission report"), [DataRequired(), Length(min=20, max=20000)])
    participants_reached = IntegerField(_l("Participants reached"), [InputRequired(), NumberRange(min=0, max=100000)])

    def validate_actual_start(self, field: DateField) -> None:
        if field.data and field.data > self.today:
            raise ValidationError(_l("A mission cannot be delivered before it starts."))

    def validate_actual_end(self, field: DateField) -> None:
        if field.data and field.data > self.today:
            raise ValidationError(_l("A mission cannot be delivered before it ends."))


class CloseForm(ActionForm):
    closing_summary = TextAreaField(_l("Closing summary"), [DataRequired(), Length(max=4000)])
    follow_up = VocabularySelect(_l("Follow-up recommendation"), [DataRequired()], vocabulary=FOLLOW_UPS)


class WithdrawForm(ActionForm):
    reason = TextAreaField(_l("Reason for withdrawing"), [DataRequired(), Length(min=3, max=4000)])


class AssignLeadForm(ActionForm):
    lead_expert = SelectField(_l("Lead expert"), [InputRequired(_l("Choose the lead expert."))], coerce=_optional_int)

    def bind_choices(self) -> None:
        experts = expert_choices()
        if self.case is not None and self.case.assignments:
            # Once a team is mobilised, the lead is one of its members.
            team = self.case.team_ids
            experts = [(expert_id, label) for expert_id, label in experts if expert_id in team]
        self.lead_expert.choices = [("", _l("Choose…")), *experts]
        if self.case is not None and self.lead_expert.data is None:
            self.lead_expert.data = self.case.lead_expert_id

    def validate_lead_expert(self, field: SelectField) -> None:
        if self.case is not None and self.case.assignments and field.data not in self.case.team_ids:
            raise ValidationError(_l("The lead expert must be a member of the team."))


QUESTION_DAYS = 14  # the default time a partner is given to answer (DOMAIN.md §2 proposes up to 30)
LATEST_DUE_DAYS = 180


class AskPartnerForm(ActionForm):
    question = TextAreaField(
        _l("Question"),
        [DataRequired(), Length(min=10, max=4000)],
        description=_l("Shown to the partner. Say what you need, for example the official request letter."),
    )
    due_on = DateField(_l("Answer needed by"), [InputRequired(), not_in_past])

    def bind_choices(self) -> None:
        if self.blank and self.due_on.data is None:
            self.due_on.data = self.today + timedelta(days=QUESTION_DAYS)

    def validate_due_on(self, field: DateField) -> None:
        if field.data and field.data > self.today + timedelta(days=LATEST_DUE_DAYS):
            raise ValidationError(_l("Give a date within six months."))


class AnswerForm(ActionForm):
    answer = TextAreaField(_l("Your answer"), [DataRequired(), Length(max=10000)])


class CancelQuestionForm(ActionForm):
    reason = TextAreaField(
        _l("Why no answer is needed any more"),
        [DataRequired(), Length(min=3, max=4000)],
        description=_l("Shown to the partner."),
    )


class HoldForm(ActionForm):
    reason = TextAreaField(
        _l("Reason"), [DataRequired(), Length(min=5, max=4000)], description=_l("Shown to the partner.")
    )


class ResumeForm(ActionForm):
    note = TextAreaField(_l("Note"), [Optional(), Length(max=4000)], description=_l("Shown to the partner."))


class EditRequestForm(RequestFields, ActionForm):
    """The partner's request, as it stands, to change while it is not yet assessed."""

    prefills_from_case = True
