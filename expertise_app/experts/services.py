"""Changing expert profiles: the one place that writes them (pages, the import, the demo).

Like every service these flush and never commit; the request or the command commits.
Permissions come from expertise_app/policy.py; refusals are the CaseError kinds the
rest of the app answers with (404 for what the user may not see, 403, 422).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from .. import policy
from ..auth.models import Role, User
from ..cases.operations import InvalidData, NotFound, PermissionDenied, validated
from ..db_types import MAX_ID, hold_until_commit, utcnow
from ..extensions import db
from ..translation import gettext as _
from .forms import ProfileForm, UnavailabilityForm, profile_formdata
from .models import ExpertCountry, ExpertField, ExpertLanguage, ExpertProfile, ExpertRegion, Unavailability


@dataclass
class ProfileValues:
    """A profile as plain values: what the form, the import and the demo give."""

    primary_fields: list[str]
    secondary_fields: list[str] = field(default_factory=list)
    languages: dict[str, str] = field(default_factory=dict)  # code: level
    countries: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    institution: str = "central_service"
    department: str = ""
    public_official: bool = True
    seniority: str = "experienced"
    max_concurrent_missions: int = 2
    biography: str = ""

    def __post_init__(self) -> None:
        """Codes in a set order, so that the same profile compares equal however it was typed."""
        self.primary_fields = sorted(dict.fromkeys(self.primary_fields))
        self.secondary_fields = sorted(
            code for code in dict.fromkeys(self.secondary_fields) if code not in self.primary_fields
        )
        self.languages = dict(sorted(self.languages.items()))
        self.countries = sorted(dict.fromkeys(self.countries))
        self.regions = sorted(dict.fromkeys(self.regions))

    @classmethod
    def from_form(cls, form: ProfileForm) -> ProfileValues:
        return cls(
            primary_fields=list(dict.fromkeys(form.primary_fields.data)),
            secondary_fields=list(dict.fromkeys(form.secondary_fields.data or [])),
            languages=form.language_levels,
            countries=list(dict.fromkeys(form.countries.data or [])),
            regions=list(dict.fromkeys(form.regions.data or [])),
            institution=form.institution.data,
            department=form.department.data or "",
            public_official=bool(form.public_official.data),
            seniority=form.seniority.data,
            max_concurrent_missions=form.max_concurrent_missions.data,
            biography=form.biography.data or "",
        )

    @classmethod
    def of(cls, profile: ExpertProfile) -> ProfileValues:
        return cls(
            primary_fields=profile.primary_fields,
            secondary_fields=profile.secondary_fields,
            languages=profile.language_levels,
            countries=profile.country_codes,
            regions=profile.region_codes,
            institution=profile.institution,
            department=profile.department,
            public_official=profile.public_official,
            seniority=profile.seniority,
            max_concurrent_missions=profile.max_concurrent_missions,
            biography=profile.biography,
        )


def apply_profile(profile: ExpertProfile, values: ProfileValues) -> bool:
    """Write `values` on `profile`; False if that changes nothing. Rows that stay are kept as they are."""
    if ProfileValues.of(profile) == values:
        return False
    levels = {code: "primary" for code in values.primary_fields}
    levels.update({code: "secondary" for code in values.secondary_fields if code not in levels})
    _sync(profile.fields, levels, lambda item: item.field, ExpertField, "field", "level")
    _sync(profile.languages, values.languages, lambda item: item.language, ExpertLanguage, "language", "level")
    _sync(profile.countries, dict.fromkeys(values.countries), lambda item: item.country, ExpertCountry, "country")
    _sync(profile.regions, dict.fromkeys(values.regions), lambda item: item.region, ExpertRegion, "region")
    profile.institution = values.institution
    profile.department = values.department
    profile.public_official = values.public_official
    profile.seniority = values.seniority
    profile.max_concurrent_missions = values.max_concurrent_missions
    profile.biography = values.biography
    profile.updated_at = utcnow()  # also when only its fields, languages or regions changed
    return True


def _sync(rows: list, wanted: Mapping, key, model, key_name: str, value_name: str | None = None) -> None:
    """Make the association rows `rows` hold exactly `wanted` (key → value)."""
    for row in list(rows):
        if key(row) not in wanted:
            rows.remove(row)
        elif value_name is not None:
            setattr(row, value_name, wanted[key(row)])
    present = {key(row) for row in rows}
    for code, value in wanted.items():
        if code not in present:
            rows.append(model(**{key_name: code, **({value_name: value} if value_name else {})}))


def new_profile(user: User, values: ProfileValues) -> ExpertProfile:
    user.profile = ExpertProfile()
    apply_profile(user.profile, values)
    return user.profile


def get_expert(viewer: User, expert_id: int) -> User:
    """An expert with a profile, if `viewer` may see the directory; NotFound otherwise (partners too)."""
    if not policy.can_view_experts(viewer) or not 0 < expert_id <= MAX_ID:
        raise NotFound(_("No such expert."))
    expert = db.session.get(User, expert_id)
    if expert is None or expert.role != Role.EXPERT or expert.profile is None:
        raise NotFound(_("No such expert."))
    return expert


def profile_form(expert: User, formdata=None) -> ProfileForm:
    """The profile form, filled in with what the profile holds unless `formdata` is given."""
    return ProfileForm(formdata=formdata if formdata is not None else profile_formdata(expert.profile))


# What only a manager may change: they decide who may go on TAIEX missions, and how often.
MANAGER_ONLY = ("institution", "public_official", "max_concurrent_missions")


def update_profile(actor: User, expert: User, formdata) -> bool:
    """Save the profile form; True if anything changed. An expert's own edit keeps MANAGER_ONLY as they were."""
    _check_may_edit(actor, expert)
    form = validated(ProfileForm, formdata)
    values = ProfileValues.from_form(form)
    if not actor.is_manager:
        for name in MANAGER_ONLY:
            setattr(values, name, getattr(expert.profile, name))
    return apply_profile(expert.profile, values)


def set_active(actor: User, expert: User, active: bool) -> None:
    """A manager takes an expert out of the suggestions and teams (or back in)."""
    if not policy.can_deactivate_expert(actor):
        raise PermissionDenied(_("Only a manager may deactivate or reactivate an expert."))
    expert.profile.active = active
    db.session.flush()


def add_unavailability(actor: User, expert: User, formdata, today: date | None = None) -> tuple[Unavailability, bool]:
    """The period of the form added to `expert`'s time away, and whether it is new: the same days given
    again (the form sent twice, even at once) are the period already there, its reason the one given last
    if any. Does not commit."""
    _check_may_edit(actor, expert)
    form = validated(UnavailabilityForm, formdata, today=today)
    hold_until_commit(f"unavailability:{expert.id}", User.active, expert.id)
    db.session.refresh(expert.profile, ["unavailability"])  # as the lock found it, copies written before included
    reason = form.reason.data or ""
    for period in expert.profile.unavailability:
        if (period.starts_on, period.ends_on) == (form.starts_on.data, form.ends_on.data):
            period.reason = reason or period.reason
            db.session.flush()
            return period, False
    period = Unavailability(starts_on=form.starts_on.data, ends_on=form.ends_on.data, reason=reason)
    expert.profile.unavailability.append(period)
    db.session.flush()
    return period, True


def remove_unavailability(actor: User, expert: User, period_id: int) -> None:
    _check_may_edit(actor, expert)
    period = next((item for item in expert.profile.unavailability if item.id == period_id), None)
    if period is None:
        raise NotFound(_("No such period."))
    expert.profile.unavailability.remove(period)
    db.session.flush()


def _check_may_edit(actor: User, expert: User) -> None:
    if not policy.can_edit_profile(actor, expert):
        raise PermissionDenied(_("Only the expert or a manager may change this profile."))


__all__ = [
    "InvalidData",
    "ProfileValues",
    "add_unavailability",
    "apply_profile",
    "get_expert",
    "new_profile",
    "profile_form",
    "remove_unavailability",
    "set_active",
    "update_profile",
]
