"""The data a partner gives to file a request, and the data each action on a case needs."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import g, has_request_context
from flask_babel import LazyString
from markupsafe import Markup, escape
from wtforms import BooleanField, DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import Choice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)
from wtforms.widgets import HiddenInput

from ..auth.models import Role, User
from ..db_types import MAX_ID, without_nul
from ..documents.files import DocumentsField, max_bytes, size_label
from ..experts.availability import clashes, lock_experts, reasons_not_to_confirm
from ..experts.models import ExpertProfile
from ..extensions import db
from ..feedback.models import ExpertRating
from ..folding import list_order
from ..forms import (
    YEARS_AWAY,
    Form,
    IdListField,
    InputForm,
    NamesSelect,
    VocabularyMultiSelect,
    VocabularyRadio,
    VocabularySelect,
    end_not_before,
    not_years_ahead,
    said_or_empty,
)
from ..reference import (
    ACCEPTANCE,
    ASSESSMENT_CRITERIA,
    ASSISTANCE_TYPES,
    CHECK_ANSWERS,
    COUNTRIES,
    DECLINE_REASONS,
    FEEDBACK_ITEMS,
    FIELDS,
    FOLLOW_UPS,
    INSTRUMENTS,
    LANGUAGES,
    MISSION_FORMATS,
    PRIORITIES,
    QUALITY_ITEMS,
    QUALITY_SCORES,
    REDIRECT_DESTINATIONS,
    SCORES,
)
from ..translation import gettext as _
from ..translation import lazy_gettext as _l


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
    experts = db.session.execute(
        sa.select(User.id, User.name, ExpertProfile.department)
        .join(User.profile)
        .where(User.role == Role.EXPERT, User.active.is_(True), ExpertProfile.active.is_(True))
    )
    # By name as a reader looks one up ("Élodie" among the E, not after "Zoé"), namesakes in a fixed order.
    in_order = sorted(experts, key=lambda row: (list_order(row.name), row.department or "", row.id))
    choices = [(row.id, f"{row.name} — {row.department}" if row.department else row.name) for row in in_order]
    if has_request_context():
        g.expert_choices = choices
    return choices


def expert_options() -> list[tuple[int, str]]:
    """Each of `expert_choices` with its `<option>` element, unselected: built once per request, so that
    a select of hundreds of experts is one join (through WTForms' option objects, 4 ms a select)."""
    if has_request_context() and "expert_options" in g:
        return g.expert_options
    options = [(id_, f'<option value="{id_}" dir="auto">{escape(label)}</option>') for id_, label in expert_choices()]
    if has_request_context():
        g.expert_options = options
    return options


def member_select(label) -> SelectField:
    """One of the team's members, chosen by name (the form lists them in `bind_choices`)."""
    return SelectField(
        label,
        [InputRequired(_l("Choose an expert."))],
        coerce=_optional_int,
        validate_choice=False,
        widget=NamesSelect(),
    )


class ExpertSelectWidget(NamesSelect):
    """WTForms' select for `ExpertSelect`, the same HTML, each option written once per request."""

    def __call__(self, field: ExpertSelect, **kwargs) -> Markup:
        blank = Choice("", field.blank_label, field.data is None, None)
        html = [self.opening(field, **kwargs), self.render_option(blank)]
        for expert_id, option in expert_options():
            if field.among is not None and expert_id not in field.among:
                continue
            html.append(option.replace("<option ", "<option selected ", 1) if expert_id == field.data else option)
        html.append("</select>")
        return Markup("".join(html))  # noqa: S704 (every label escaped)  # nosec B704


def _is_active_expert(user_id: int) -> bool:
    if not 0 < user_id <= MAX_ID:  # no id is that large: asked of SQLite, a number past 2**63 is an error
        return False
    query = (
        sa.select(User.id)
        .join(User.profile)
        .where(User.id == user_id, User.role == Role.EXPERT, User.active.is_(True), ExpertProfile.active.is_(True))
    )
    return db.session.scalar(query) is not None


class ExpertSelect(SelectField):
    """One of the active experts, or of those in `among` (a set of ids) when the form sets it.

    The labelled list of every expert (hundreds of them) is read only when the select is shown;
    checking a sent choice reads that one expert, so that performing an action does not load them all.
    """

    widget = ExpertSelectWidget()

    def __init__(self, label=None, validators=None, blank_label=None, **kwargs):
        super().__init__(label, validators, coerce=_optional_int, **kwargs)
        self.blank_label = blank_label
        self.among: set[int] | None = None
        self.outside_among = None  # what a choice outside `among` is told, if not WTForms' "Not a valid choice."

    def iter_choices(self):  # what WTForms reads of the choices, the widget apart
        experts = expert_choices()
        if self.among is not None:
            experts = [(expert_id, label) for expert_id, label in experts if expert_id in self.among]
        self.choices = [("", self.blank_label), *experts]
        return super().iter_choices()

    def pre_validate(self, form) -> None:
        if not self.validate_choice or self.data is None:
            return
        if self.among is not None and self.data not in self.among:
            raise ValidationError(self.outside_among or self.gettext("Not a valid choice."))
        if not _is_active_expert(self.data):
            raise ValidationError(self.gettext("Not a valid choice."))


def not_in_past(form, field: DateField) -> None:
    if field.data and field.data < form.today and not _unchanged(form, field):
        raise ValidationError(_l("This date is in the past."))


def _unchanged(form, field) -> bool:
    """An edit keeps this value as it was (a date that has passed since filing stays valid)."""
    case = getattr(form, "case", None)
    return case is not None and getattr(case, field.name, None) == field.data


ATTACHMENTS_HELP = LazyString(
    lambda: _(
        "Up to 5 files of %(size)s at most: PDF, Office or OpenDocument files, images.",
        size=size_label(max_bytes()),
    )
)


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
    period_start = DateField(_l("Desired period: from"), [InputRequired(), not_in_past, not_years_ahead])
    period_end = DateField(_l("Desired period: to"), [InputRequired(), end_not_before("period_start"), not_years_ahead])
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
    """A partner's new expertise request, with its official letter and annexes."""

    follow_up_of = IntegerField(
        _l("Follow-up of"),
        [Optional(), NumberRange(min=1, max=MAX_ID)],
        widget=HiddenInput(),
        description=_l("The id of the closed request of your organisation that this one follows up."),
    )

    official_letter = DocumentsField(
        _l("Official request letter"),
        kind="official_letter",
        limit=1,
        description=_l("Signed by your institution; required of public bodies. PDF preferred."),
    )
    annexes = DocumentsField(
        _l("Agenda, terms of reference, annexes"),
        kind="annex",
        description=ATTACHMENTS_HELP,
    )


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
    # What the history calls a field, where its label speaks to the person filling the form in
    # ("Why you cannot join" heads another expert's reason in everybody's history).
    history_labels: dict[str, object] = {}

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
    reformulation = TextAreaField(
        _l("What the ministry reformulates"),
        [Length(max=4000)],
        filters=[said_or_empty],
        description=_l(
            "With a reformulation: the scope, objectives or dates as the ministry accepts them. Shown to the partner."
        ),
    )
    field = VocabularySelect(_l("Confirmed field of expertise"), [DataRequired()], vocabulary=FIELDS)
    priority = VocabularySelect(_l("Priority"), [DataRequired()], vocabulary=PRIORITIES, blank=False, default="normal")
    lead_expert = ExpertSelect(_l("Lead expert"), [Optional()], blank_label=_l("No lead expert yet"))
    eligibility_notes = TextAreaField(_l("Eligibility notes"), [DataRequired(), Length(max=4000)])

    def validate_reformulation(self, field: TextAreaField) -> None:
        """Accepted with a reformulation, the partner is told what it is; accepted as filed, a text
        written here would be kept from them without a word: both are asked for again."""
        said = bool(field.data)
        if self.acceptance.data == "reformulated" and not said:
            raise ValidationError(_l("Say what the ministry reformulates: the partner reads it."))
        if self.acceptance.data != "reformulated" and said:
            raise ValidationError(_l("Choose “Accepted with reformulation” to send this text, or leave it empty."))

    def bind_choices(self) -> None:
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
    """The team is confirmed and the mission planned: the lead expert is one of the confirmed members."""

    lead_expert = ExpertSelect(
        _l("Lead expert"),
        [InputRequired(_l("Choose the lead expert."))],
        blank_label=_l("Choose…"),
        validate_choice=False,
    )

    def bind_choices(self) -> None:
        self.lead_expert.among = self.case.team_ids if self.case is not None else set()
        if self.case is not None and self.lead_expert.data is None:
            self.lead_expert.data = self.case.lead_expert_id

    def validate_lead_expert(self, field: SelectField) -> None:
        if self.case is not None and field.data not in self.case.team_ids:
            raise ValidationError(_l("The lead expert must be a confirmed member of the team."))

    def validate(self, extra_validators=None) -> bool:
        """The confirmed team may still go: a member deactivated, made ineligible or busy since is named."""
        valid = super().validate(extra_validators)
        if self.case is None:
            return valid
        members = [assignment.expert for assignment in self.case.confirmed]
        lock_experts(member.id for member in members)
        reasons = [reason for member in members for reason in reasons_not_to_confirm(self.case, member)]
        if reasons:
            message = _l("The team cannot go as confirmed: %(reasons)s", reasons=" ".join(reasons))
            self.lead_expert.errors = [*self.lead_expert.errors, message]
            return False
        return valid


class PlanMissionForm(ActionForm):
    """The mission's format, place and dates; the team's confirmations are checked against the dates."""

    mission_format = VocabularySelect(_l("Mission format"), [DataRequired()], vocabulary=MISSION_FORMATS)
    place = StringField(_l("Place"), [DataRequired(), Length(max=200)])
    planned_start = DateField(_l("Planned start"), [InputRequired(), not_years_ahead])
    planned_end = DateField(_l("Planned end"), [InputRequired(), end_not_before("planned_start"), not_years_ahead])

    def bind_choices(self) -> None:
        mission = self.case.mission if self.case is not None else None
        if self.blank and mission is not None:
            self.mission_format.data = mission.format
            self.place.data = mission.place
            self.planned_start.data = mission.planned_start
            self.planned_end.data = mission.planned_end

    def _not_past_unless_planned(self, field: DateField) -> None:
        """A date of the plan is not in the past, unless the mission was planned so (a mission under way
        keeps its start when its place changes; a new end cannot have passed already)."""
        mission = self.case.mission if self.case is not None else None
        kept = mission is not None and getattr(mission, field.name) == field.data
        if field.data and field.data < self.today and not kept:
            raise StopValidation(_l("This date is in the past."))

    def validate_planned_start(self, field: DateField) -> None:
        self._not_past_unless_planned(field)

    def validate_planned_end(self, field: DateField) -> None:
        self._not_past_unless_planned(field)
        start = self.planned_start.data
        if self.case is None or not start or not field.data or field.data < start:
            return
        confirmed = {assignment.expert_id: assignment.expert for assignment in self.case.confirmed}
        lock_experts(confirmed)
        found = clashes(confirmed, start, field.data, exclude_request_id=self.case.id)
        if found:
            raise ValidationError(
                _l(
                    "These dates clash for the confirmed team: %(clashes)s.",
                    clashes="; ".join(
                        f"{confirmed[expert_id].name}, {clash.describe()}"
                        for expert_id, expert_clashes in found.items()
                        for clash in expert_clashes
                    ),
                )
            )


def _member_choices(case, statuses: tuple[str, ...]) -> list[tuple[int, str]]:
    members = [] if case is None else [a for a in case.assignments if a.status in statuses]
    return [(member.expert_id, member.expert.name) for member in members]


def _active_expert_ids(ids: list[int]) -> set[int]:
    """Those of `ids` that are experts with an active account and profile."""
    return set(
        db.session.scalars(
            sa.select(User.id)
            .join(ExpertProfile, ExpertProfile.user_id == User.id)
            .where(
                User.id.in_([i for i in ids if 0 < i <= MAX_ID]),
                User.role == Role.EXPERT,
                User.active.is_(True),
                ExpertProfile.active.is_(True),
            )
        )
    )


class ProposeExpertsForm(ActionForm):
    """Experts to ask whether they will join the team (from the suggestions or the directory)."""

    experts = IdListField(_l("Experts to propose"), [DataRequired(_l("Choose at least one expert."))])
    history_labels = {"experts": _l("Experts")}
    note = TextAreaField(
        _l("Note to the experts"), [Optional(), Length(max=2000)], description=_l("What you expect of them.")
    )

    def validate_experts(self, field) -> None:
        wanted = list(dict.fromkeys(field.data or []))
        if len(wanted) > MAX_PROPOSED:
            raise ValidationError(_l("Propose at most %(count)d experts at a time.", count=MAX_PROPOSED))
        members = {member.expert_id for member in self.case.members} if self.case is not None else set()
        if members & set(wanted):
            raise ValidationError(_l("One of these experts is already proposed for the team."))
        if set(wanted) - _active_expert_ids(wanted):
            raise ValidationError(_l("Only an active expert can be proposed."))
        field.data = wanted


MAX_PROPOSED = 10


class AcceptProposalForm(ActionForm):
    """The proposed expert joins, with their conflict-of-interest declaration."""

    no_conflict = BooleanField(
        _l(
            "I declare that I have no conflict of interest with this request or its partner, "
            "other than any I declare below."
        ),
        [DataRequired(_l("Tick the declaration to accept."))],
    )
    history_labels = {"no_conflict": _l("No conflict of interest declared")}
    declared_interests = TextAreaField(
        _l("Interests to declare"),
        [Optional(), Length(max=2000)],
        description=_l("For example a past contract with the partner. Leave empty if there are none."),
    )


class DeclineProposalForm(ActionForm):
    reason = TextAreaField(_l("Why you cannot join"), [DataRequired(), Length(min=3, max=2000)])
    history_labels = {"reason": _l("Reason")}


class ConfirmExpertForm(ActionForm):
    """The lead or a manager confirms an expert who accepted, if they may go and are free."""

    expert = member_select(_l("Expert"))

    def bind_choices(self) -> None:
        self.expert.choices = [("", _l("Choose…")), *_member_choices(self.case, ("accepted",))]

    def validate_expert(self, field: SelectField) -> None:
        member = self.case.membership(field.data) if self.case is not None else None
        if member is None or member.status != "accepted":
            raise ValidationError(_l("Only an expert who has accepted the proposal can be confirmed."))
        lock_experts([member.expert_id])  # another request confirming them now waits for this one
        reasons = reasons_not_to_confirm(self.case, member.expert)
        if reasons:
            raise ValidationError(
                _l("%(name)s cannot be confirmed: %(reasons)s", name=member.expert.name, reasons=" ".join(reasons))
            )


def withdrawable(case) -> list:
    """Who may be withdrawn from the team (withdraw_proposal): anyone proposed but the lead, who stays on it
    until another lead is named; once the team is mobilised, not its confirmed members, who leave it through
    remove_from_team, which the partner is told of."""
    if case is None:
        return []
    mobilised = case.state == "skills_mobilised"
    return [
        member
        for member in case.members
        if member.expert_id != case.lead_expert_id and not (mobilised and member.status == "confirmed")
    ]


def removable(case) -> list:
    """Who may leave the mobilised team (remove_from_team): its confirmed members but the lead."""
    return [] if case is None else [m for m in case.confirmed if m.expert_id != case.lead_expert_id]


def next_leads(case) -> set[int]:
    """Who may take the lead of the mobilised team (hand_over_lead): its other confirmed members who are
    still active experts."""
    return _active_expert_ids([member.expert_id for member in removable(case)])


class WithdrawProposalForm(ActionForm):
    expert = member_select(_l("Expert"))
    reason = TextAreaField(_l("Reason"), [Optional(), Length(max=2000)])
    # Said of a member on the team whom this form does not take off it.
    not_this_way = _l("A member of the mobilised team leaves it through “Remove from the team”: the partner is told.")

    def members(self) -> list:
        return withdrawable(self.case)

    def bind_choices(self) -> None:
        self.expert.choices = [("", _l("Choose…")), *((m.expert_id, m.expert.name) for m in self.members())]

    def validate_expert(self, field: SelectField) -> None:
        member = self.case.membership(field.data) if self.case is not None else None
        if member is None or member.status == "withdrawn":
            raise ValidationError(_l("This expert is not on the team."))
        if field.data == self.case.lead_expert_id:
            raise ValidationError(_l("The lead expert stays on the team: name another lead first."))
        if member not in self.members():
            raise ValidationError(self.not_this_way)


class RemoveFromTeamForm(WithdrawProposalForm):
    """A confirmed member leaves the mobilised team; the partner, who hosts the mission, is told."""

    reason = TextAreaField(
        _l("Reason"),
        [Optional(), Length(max=2000)],
        description=_l("For the ministry: the partner is told who left the team, not why."),
    )
    not_this_way = _l("Only a confirmed member of the team can be removed from it: withdraw a proposal instead.")

    def members(self) -> list:
        return removable(self.case)


class ReplaceExpertForm(ActionForm):
    """An expert who declined makes room for another, who is proposed in their place."""

    expert = member_select(_l("Expert who declined"))
    replacement = IntegerField(_l("Replacement"), [InputRequired(_l("Choose the replacement."))], widget=HiddenInput())

    def bind_choices(self) -> None:
        self.expert.choices = [("", _l("Choose…")), *_member_choices(self.case, ("declined",))]

    def validate_expert(self, field: SelectField) -> None:
        member = self.case.membership(field.data) if self.case is not None else None
        if member is None or member.status != "declined":
            raise ValidationError(_l("Only an expert who declined can be replaced."))
        if field.data == self.case.lead_expert_id:
            raise ValidationError(_l("The lead expert stays on the team: name another lead first."))

    def validate_replacement(self, field: IntegerField) -> None:
        if field.data is None or field.data not in _active_expert_ids([field.data]):
            raise ValidationError(_l("Only an active expert can be proposed."))
        members = {member.expert_id for member in self.case.members} if self.case is not None else set()
        if field.data in members:
            raise ValidationError(_l("This expert is already proposed for the team."))


class DeliverForm(ActionForm):
    actual_start = DateField(_l("Actual start"), [InputRequired()])
    actual_end = DateField(_l("Actual end"), [InputRequired(), end_not_before("actual_start")])
    report = TextAreaField(_l("Mission report"), [DataRequired(), Length(min=20, max=20000)])
    participants_reached = IntegerField(_l("Participants reached"), [InputRequired(), NumberRange(min=0, max=100000)])
    report_file = DocumentsField(
        _l("Mission report as a document"),
        kind="mission_report",
        limit=1,
        description=_l("Optional: the report as the team wrote it (PDF, Office or OpenDocument)."),
    )

    def validate_actual_start(self, field: DateField) -> None:
        if field.data and field.data > self.today:
            raise ValidationError(_l("A mission cannot be delivered before it starts."))
        if field.data and field.data.year < self.today.year - YEARS_AWAY:  # 1900 for 2026: the partner is told
            raise ValidationError(_l("This date is more than five years ago."))

    def validate_actual_end(self, field: DateField) -> None:
        if field.data and field.data > self.today:
            raise ValidationError(_l("A mission cannot be delivered before it ends."))


class CloseForm(ActionForm):
    closing_summary = TextAreaField(_l("Closing summary"), [DataRequired(), Length(max=4000)])
    follow_up = VocabularySelect(_l("Follow-up recommendation"), [DataRequired()], vocabulary=FOLLOW_UPS)


class WithdrawForm(ActionForm):
    reason = TextAreaField(_l("Reason for withdrawing"), [DataRequired(), Length(min=3, max=4000)])


class AssignLeadForm(ActionForm):
    """Before the mobilisation, any active expert may lead; the partner is not told (the team is a draft)."""

    lead_expert = ExpertSelect(
        _l("Lead expert"), [InputRequired(_l("Choose the lead expert."))], blank_label=_l("Choose…")
    )

    def bind_choices(self) -> None:
        if self.case is not None and self.lead_expert.data is None:
            self.lead_expert.data = self.case.lead_expert_id


class HandOverLeadForm(ActionForm):
    """Once the team is mobilised, another of its confirmed members takes the lead; the partner is told."""

    lead_expert = ExpertSelect(
        _l("New lead expert"), [InputRequired(_l("Choose the new lead expert."))], blank_label=_l("Choose…")
    )

    def bind_choices(self) -> None:
        self.lead_expert.among = next_leads(self.case)
        self.lead_expert.outside_among = _l("The new lead expert must be another confirmed member of the team.")


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


def attachments_field() -> DocumentsField:
    """Documents to attach: declared after the words in each form, so that they come after them on the page."""
    return DocumentsField(_l("Attach documents"), description=ATTACHMENTS_HELP)


class AnswerForm(ActionForm):
    answer = TextAreaField(_l("Your answer"), [DataRequired(), Length(max=10000)])
    history_labels = {"answer": _l("Answer")}  # staff read it too: not "Your answer"
    attachments = attachments_field()


class TakeForm(ActionForm):
    """Taking an unassigned request on asks nothing more than the click."""


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


MAX_MESSAGE = 10000


class WritingForm(ActionForm):
    """Words, files, or both: a message or a note with nothing in it is refused."""

    attachments: DocumentsField

    def validate_body(self, field: TextAreaField) -> None:
        if not (field.data or "").strip() and not any(file for file in self.attachments.data or [] if file):
            raise StopValidation(_l("Write a message or attach a document."))


class MessageForm(WritingForm):
    body = TextAreaField(
        _l("Message"),
        [Length(max=MAX_MESSAGE)],
        description=_l("Seen by the requesting organisation and the ministry."),
    )
    attachments = attachments_field()


class NoteForm(WritingForm):
    body = TextAreaField(
        _l("Internal note"),
        [Length(max=MAX_MESSAGE)],
        description=_l("Seen by the ministry's staff only, never by the partner, nor are its documents."),
    )
    attachments = attachments_field()


class EditRequestForm(RequestFields, ActionForm):
    """The partner's request, as it stands, to change while it is not yet assessed."""

    prefills_from_case = True


def _feedback_fields() -> dict[str, object]:
    """One score (1–5) per item of the questionnaire (DOMAIN.md, "Evaluation items")."""
    return {
        f"score_{code}": VocabularyRadio(
            FEEDBACK_ITEMS.lazy_label(code),
            [DataRequired(_l("Choose a score from 1 to 5."))],
            vocabulary=QUALITY_SCORES if code in QUALITY_ITEMS else SCORES,
        )
        for code in FEEDBACK_ITEMS.codes
    }


FEEDBACK_SCORE_FIELDS = _feedback_fields()
FEEDBACK_FIELDS = tuple(FEEDBACK_SCORE_FIELDS)


class GiveFeedbackForm(ActionForm):
    """The partner's questionnaire on the delivered mission: six scores and its comments."""

    comments = TextAreaField(
        _l("Comments"),
        [Optional(), Length(max=4000)],
        description=_l("What went well, what could be better, what you would need next."),
    )


for _name, _field in FEEDBACK_SCORE_FIELDS.items():
    setattr(GiveFeedbackForm, _name, _field)


class RateExpertForm(ActionForm):
    """The partner rates one expert of the team, once."""

    expert = member_select(_l("Expert"))
    score = VocabularyRadio(_l("Rating"), [DataRequired(_l("Choose a score from 1 to 5."))], vocabulary=QUALITY_SCORES)
    comment = TextAreaField(_l("Comment"), [Optional(), Length(max=2000)])

    def bind_choices(self) -> None:
        unrated = set(unrated_team(self.case)) if self.case is not None else set()
        choices = [(expert.id, expert.name) for expert in (self.case.team if self.case else []) if expert.id in unrated]
        self.expert.choices = [("", _l("Choose…")), *choices]

    def validate_expert(self, field: SelectField) -> None:
        if field.data not in unrated_team(self.case):
            raise ValidationError(_l("Choose an expert of the team whom you have not rated yet."))


def unrated_team(case) -> list[int]:
    """The confirmed team's experts the partner has not rated yet on this request."""
    if case is None or case.id is None:
        return []
    rated = set(db.session.scalars(sa.select(ExpertRating.expert_id).where(ExpertRating.request_id == case.id)))
    return [expert_id for expert_id in sorted(case.team_ids) if expert_id not in rated]


class SaveViewForm(Form):
    """Save the list as filtered now under a name (the page's own POST, with its CSRF token)."""

    name = StringField(
        _l("Name of this view"),
        [DataRequired(_l("Give the view a name.")), Length(max=80)],
        filters=[lambda text: without_nul(text).strip() if text else text],
    )
    query = HiddenField()
