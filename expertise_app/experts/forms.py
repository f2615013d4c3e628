"""An expert's profile, their unavailable periods, and the directory's filters."""

from __future__ import annotations

from datetime import date

from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, DateField, FieldList, FormField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..db_types import day_in_address, without_nul
from ..forms import (
    InputForm,
    VocabularyMultiSelect,
    VocabularyRadio,
    VocabularySelect,
    end_not_before,
    not_years_ahead,
)
from ..reference import COUNTRIES, FIELDS, INSTITUTIONS, LANGUAGE_LEVELS, LANGUAGES, REGIONS, SENIORITY
from ..translation import lazy_gettext as _l

LANGUAGE_ROWS = 6  # rows of the languages table on the profile page


class LanguageRow(InputForm):
    language = VocabularySelect(_l("Language"), [Optional()], vocabulary=LANGUAGES)
    level = VocabularySelect(_l("Level"), [Optional()], vocabulary=LANGUAGE_LEVELS)

    def validate_language(self, field) -> None:
        # On the language rather than the level: an empty level stops at its Optional() validator.
        if field.data and not self.level.data:
            raise ValidationError(_l("Choose the level for this language."))


class ProfileForm(InputForm):
    """What an expert knows and can do, as they (or a manager) keep it up to date."""

    primary_fields = VocabularyMultiSelect(
        _l("Primary fields"), [DataRequired(_l("Choose at least one primary field."))], vocabulary=FIELDS
    )
    secondary_fields = VocabularyMultiSelect(_l("Secondary fields"), [Optional()], vocabulary=FIELDS)
    languages = FieldList(FormField(LanguageRow), label=_l("Languages"), min_entries=LANGUAGE_ROWS)
    countries = VocabularyMultiSelect(
        _l("Countries of experience"),
        [Optional()],
        vocabulary=COUNTRIES,
        description=_l("Countries you have worked in or on."),
    )
    regions = VocabularyMultiSelect(_l("Regions of experience"), [Optional()], vocabulary=REGIONS)
    institution = VocabularySelect(_l("Home institution"), [DataRequired()], vocabulary=INSTITUTIONS)
    department = StringField(
        _l("Service or unit"),
        [Optional(), Length(max=120)],
        description=_l("For example “DGPA — Museums” or the operator's name."),
    )
    public_official = BooleanField(_l("Public official"), description=_l("TAIEX engages public officials only."))
    seniority = VocabularyRadio(_l("Seniority"), [DataRequired()], vocabulary=SENIORITY, default="experienced")
    max_concurrent_missions = IntegerField(
        _l("Missions ahead at most"),
        [InputRequired(), NumberRange(min=1, max=20)],
        default=2,
        description=_l(
            "Requests with a mission still ahead on whose team they may be confirmed, whatever the dates: "
            "preparing a mission and writing its report take time too. Set by a manager."
        ),
    )
    biography = TextAreaField(_l("Short biography"), [Optional(), Length(max=2000)])

    def validate_secondary_fields(self, field) -> None:
        both = set(field.data or []) & set(self.primary_fields.data or [])
        if both:
            raise ValidationError(_l("A field is either primary or secondary, not both."))

    def validate_languages(self, field) -> None:
        chosen = [row.language.data for row in field.entries if row.language.data]
        if not chosen:
            raise ValidationError(_l("Give at least one language."))
        if len(chosen) != len(set(chosen)):
            raise ValidationError(_l("Each language once."))

    @property
    def language_levels(self) -> dict[str, str]:
        return {row.language.data: row.level.data for row in self.languages.entries if row.language.data}


def profile_formdata(profile) -> MultiDict:
    """A profile as the form data that would save it unchanged (to show the form filled in)."""
    pairs: list[tuple[str, str]] = []
    pairs += [("primary_fields", code) for code in profile.primary_fields]
    pairs += [("secondary_fields", code) for code in profile.secondary_fields]
    for index, (code, level) in enumerate(profile.language_levels.items()):
        pairs += [(f"languages-{index}-language", code), (f"languages-{index}-level", level)]
    pairs += [("countries", code) for code in profile.country_codes]
    pairs += [("regions", code) for code in profile.region_codes]
    pairs += [
        ("institution", profile.institution),
        ("department", profile.department),
        ("seniority", profile.seniority),
        ("max_concurrent_missions", str(profile.max_concurrent_missions)),
        ("biography", profile.biography),
    ]
    if profile.public_official:
        pairs.append(("public_official", "y"))
    return MultiDict(pairs)


class UnavailabilityForm(InputForm):
    starts_on = DateField(_l("From"), [InputRequired(), not_years_ahead])
    ends_on = DateField(_l("To"), [InputRequired(), end_not_before("starts_on"), not_years_ahead])
    reason = StringField(_l("Reason"), [Optional(), Length(max=200)], description=_l("For example “annual leave”."))

    def validate_ends_on(self, field) -> None:
        if field.data and field.data < self.today:
            raise ValidationError(_l("This period is over already."))


def known_code(args: MultiDict, name: str, vocabulary) -> str | None:
    """A query argument that is a code of `vocabulary`, else None."""
    value = without_nul(args.get(name) or "").strip()
    return value if value in vocabulary else None


DIRECTORY_SORTS = ("name", "workload", "institution")


class DirectoryFilters:
    """The directory's filters from a query string; what is not a known code is dropped."""

    def __init__(self, args: MultiDict):
        self.field = known_code(args, "field", FIELDS)
        self.language = known_code(args, "language", LANGUAGES)
        self.country = known_code(args, "country", COUNTRIES)
        self.region = known_code(args, "region", REGIONS)
        self.institution = known_code(args, "institution", INSTITUTIONS)
        self.free_from = day_in_address(args.get("free_from"))
        self.free_to = day_in_address(args.get("free_to"))
        if self.free_from and self.free_to and self.free_to < self.free_from:
            self.free_from, self.free_to = self.free_to, self.free_from
        self.q = without_nul(args.get("q") or "").strip()[:100] or None
        self.inactive = args.get("inactive") == "1"
        sort = (args.get("sort") or "").strip()
        self.sort = sort if sort in DIRECTORY_SORTS else "name"

    @property
    def free_period(self) -> tuple[date, date] | None:
        if self.free_from or self.free_to:
            start = self.free_from or self.free_to
            return start, self.free_to or start
        return None

    @property
    def active(self) -> bool:
        return any((self.field, self.language, self.country, self.region, self.institution, self.free_period, self.q))
