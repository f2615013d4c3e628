"""Coded vocabularies: the values stored in the database and their labels.

Codes never change once stored; labels go through Flask-Babel so that they can be
shown in the user's language. Countries and languages take their codes from
ISO 3166-1 / ISO 639-1 (pycountry) and their names from Babel's locale data.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property

import pycountry

from .folding import list_order
from .translation import current_locale, lazy_pgettext
from .translation import lazy_gettext as _l


class Vocabulary:
    """An ordered list of codes with translatable labels."""

    def __init__(self, name: str, items: Iterable[tuple[str, object]]):
        self.name = name
        self._labels = dict(items)
        self._choices: dict[str, tuple[tuple[str, str], ...]] = {}

    @property
    def codes(self) -> list[str]:
        return list(self._labels)

    def __contains__(self, code: object) -> bool:
        return code in self._labels

    def label(self, code: str | None) -> str:
        if code is None:
            return ""
        return str(self._labels.get(code, code))

    def lazy_label(self, code: str) -> object:
        """The label as a lazy string, for declarations made before any locale is known."""
        return self._labels[code]

    def choices(self) -> list[tuple[str, str]]:
        """(code, label) in the user's language, made once per language (lists show them on every page)."""
        language = str(current_locale())
        if language not in self._choices:
            self._choices[language] = tuple(self._labelled())
        return list(self._choices[language])

    def _labelled(self) -> list[tuple[str, str]]:
        return [(code, self.label(code)) for code in self.codes]


class LocaleDataVocabulary(Vocabulary):
    """Codes from an ISO standard, names from Babel for the current locale."""

    def __init__(
        self,
        name: str,
        codes: Iterable[str],
        locale_attribute: str,
        extra_names: dict[str, str],
        preferred: tuple[str, ...] = (),
    ):
        self.name = name
        self._codes = list(codes)
        self._locale_attribute = locale_attribute
        self._extra_names = extra_names
        self._preferred = preferred
        self._choices = {}

    @property
    def codes(self) -> list[str]:
        return self._codes

    @cached_property
    def _code_set(self) -> frozenset[str]:
        return frozenset(self._codes)

    def __contains__(self, code: object) -> bool:
        return code in self._code_set

    def label(self, code: str | None) -> str:
        if code is None:
            return ""
        names = getattr(current_locale(), self._locale_attribute)
        return names.get(code) or self._extra_names.get(code) or code

    def _labelled(self) -> list[tuple[str, str]]:
        """Preferred codes first, in their order; then the rest by name in the user's language."""
        first = [(code, self.label(code)) for code in self._preferred]
        rest = sorted(
            ((code, self.label(code)) for code in self.codes if code not in self._preferred),
            key=lambda item: list_order(item[1]),  # "Égypte" among the E, not after "Zimbabwe"
        )
        return first + rest


FIELDS = Vocabulary(
    "field",
    [
        ("HER", _l("Monuments and sites")),
        ("ARC", _l("Archaeology")),
        ("ICH", _l("Intangible heritage")),
        ("MUS", _l("Museums and collections")),
        ("ARV", _l("Archives")),
        ("ARH", _l("Architecture and urban heritage")),
        ("PER", _l("Performing arts")),
        ("MSC", _l("Music")),
        ("VIS", _l("Visual arts, crafts and design")),
        ("BOO", _l("Books, reading and libraries")),
        ("CIN", _l("Cinema and audiovisual")),
        ("CCI", _l("Cultural and creative industries")),
        ("DIG", _l("Digital culture")),
        ("IPR", _l("Copyright and related rights")),
        ("TOU", _l("Cultural tourism")),
        ("EDU", _l("Arts and cultural education")),
        ("TRN", _l("Training of professionals")),
        ("GOV", _l("Cultural governance and policy")),
        ("REG", _l("Legal and regulatory framework")),
    ],
)

ASSISTANCE_TYPES = Vocabulary(
    "assistance_type",
    [
        ("expert_mission", _l("Expert mission")),
        ("workshop", _l("Workshop or seminar")),
        ("study_visit", _l("Study visit in France")),
        ("training", _l("Training of professionals")),
        ("remote_advice", _l("Remote advice")),
        ("twinning_component", _l("Twinning component")),
    ],
)

INSTRUMENTS = Vocabulary(
    "instrument",
    [
        ("bilateral", _l("Bilateral cooperation")),
        ("eu_twinning", _l("EU twinning")),
        ("taiex", _l("TAIEX")),
        ("unesco", _l("UNESCO")),
        ("other", _l("Other")),
        ("unknown", _l("Don't know yet")),
    ],
)

# How long ago a list's requests were submitted, or entered their state, at least: days, and how they read.
AGES = Vocabulary(
    "age",
    [("7", _l("a week")), ("30", _l("a month")), ("90", _l("three months")), ("365", _l("a year"))],
)

PRIORITIES = Vocabulary(
    "priority",
    [
        ("normal", _l("Normal")),
        ("urgent", _l("Urgent")),
        ("emergency", _l("Emergency (disaster or conflict)")),
    ],
)

MISSION_FORMATS = Vocabulary(
    "mission_format",
    [
        ("on_site", _l("On site in the partner country")),
        ("in_france", _l("In France")),
        ("remote", _l("Remote")),
        ("hybrid", _l("Hybrid")),
    ],
)

ORGANISATION_KINDS = Vocabulary(
    "organisation_kind",
    [
        ("ministry", _l("Ministry")),
        ("museum", _l("Museum")),
        ("heritage_agency", _l("Heritage agency")),
        ("archive", _l("Archive")),
        ("library", _l("Library")),
        ("university", _l("University")),
        ("ngo", _l("NGO")),
        ("local_authority", _l("Local authority")),
        ("other", _l("Other")),
    ],
)

ROLES = Vocabulary(
    "role",
    [
        ("partner", _l("Partner")),
        ("expert", _l("Expert")),
        ("manager", _l("Manager")),
    ],
)

# ISO 3166-1 alpha-2, plus Kosovo's user-assigned XK which partners need.
COUNTRIES = LocaleDataVocabulary(
    "country",
    sorted([country.alpha_2 for country in pycountry.countries] + ["XK"]),
    "territories",
    {"XK": "Kosovo"},
)

# ISO 639-1 two-letter codes.
LANGUAGES = LocaleDataVocabulary(
    "language",
    sorted(language.alpha_2 for language in pycountry.languages if hasattr(language, "alpha_2")),
    "languages",
    {},
    # The ministry's partners work mostly in these; the form lists them first.
    preferred=("fr", "en", "ar", "es", "pt", "ru", "de", "it", "zh"),
)

DOCUMENT_KINDS = Vocabulary(
    "document_kind",
    [
        ("official_letter", _l("Official request letter")),
        ("annex", _l("Annex")),
        ("mission_report", _l("Mission report")),
    ],
)

FOLLOW_UPS = Vocabulary(
    "follow_up",
    [
        ("none", _l("No follow-up needed")),
        ("further_mission", _l("A further expert mission")),
        ("training", _l("Training of the partner's staff")),
        ("eu_instrument", _l("An EU instrument (TAIEX or twinning)")),
        ("redirect", _l("Refer to another institution")),
    ],
)

# Why a request is declined (DOMAIN.md §2, rejection codes).
DECLINE_REASONS = Vocabulary(
    "decline_reason",
    [
        ("out_of_scope", _l("Out of the ministry's scope")),
        ("ineligible_requester", _l("Ineligible requester")),
        ("duplicate", _l("Duplicate of another request or project")),
        ("no_expertise", _l("No expertise available")),
        ("insufficient_lead_time", _l("Insufficient lead time")),
        ("security", _l("Travel security")),
    ],
)

# Where a request the ministry does not take on itself is sent (DOMAIN.md §2, redirects).
REDIRECT_DESTINATIONS = Vocabulary(
    "redirect_destination",
    [
        ("eu_taiex_twinning", _l("EU TAIEX or Twinning, through the EU Delegation")),
        ("unesco_icomos_iccrom", _l("UNESCO, ICOMOS or ICCROM")),
        ("institut_francais", _l("Institut français")),
        ("expertise_france_afd", _l("Expertise France / AFD")),
        ("ministry_operator", _l("A ministry operator")),
    ],
)

# The assessment checklist (DOMAIN.md §2, assessment criteria), each answered yes / no / unknown.
ASSESSMENT_CRITERIA = Vocabulary(
    "assessment_criterion",
    [
        ("eligible", _l("Eligible requester and country")),
        ("in_remit", _l("Within the ministry's fields")),
        ("clear_objectives", _l("Clear objectives")),
        ("official_letter", _l("Official letter received")),
        ("no_duplication", _l("No duplication with other support")),
        ("experts_available", _l("Experts available")),
        ("lead_time", _l("Realistic lead time")),
        ("funding", _l("Funding identified")),
        ("travel_security", _l("Travel security acceptable")),
    ],
)

CHECK_ANSWERS = Vocabulary(
    "check_answer",
    [("yes", _l("Yes")), ("no", _l("No")), ("unknown", _l("Unknown"))],
)

ACCEPTANCE = Vocabulary(
    "acceptance",
    [
        ("as_filed", _l("Accepted as filed")),
        ("reformulated", _l("Accepted with reformulation")),
    ],
)

# --- the partner's feedback on a mission (DOMAIN.md, "Evaluation items") ---------------------

FEEDBACK_ITEMS = Vocabulary(
    "feedback_item",
    [
        ("objectives", _l("The mission's objectives were achieved")),
        ("knowledge", _l("Your team gained knowledge and skills")),
        ("experts", _l("Quality of the experts")),
        ("organisation", _l("Organisation and logistics")),
        ("use", _l("You expect to use the results")),
        ("further_support", _l("You need further support")),
    ],
)

# The same items as the ministry reads their averages (the questions above speak to the partner).
FEEDBACK_MEASURES = Vocabulary(
    "feedback_measure",
    [
        ("objectives", _l("Objectives achieved")),
        ("knowledge", _l("Knowledge and skills gained by the partner's team")),
        ("experts", _l("Quality of the experts")),
        ("organisation", _l("Organisation and logistics")),
        ("use", _l("Expected use of the results")),
        ("further_support", _l("Further support needed")),
    ],
)

SCORES = Vocabulary(
    "score",
    [
        ("1", _l("1 – not at all")),
        ("2", _l("2")),
        ("3", _l("3 – partly")),
        ("4", _l("4")),
        ("5", _l("5 – fully")),
    ],
)

# A judgement of quality (an expert, the logistics) rather than of how far a statement holds: "Rating:
# 5 – fully" said nothing of an expert.
QUALITY_SCORES = Vocabulary(
    "quality_score",
    [
        ("1", _l("1 – poor")),
        ("2", _l("2")),
        ("3", _l("3 – fair")),
        ("4", _l("4")),
        ("5", _l("5 – excellent")),
    ],
)
# The questionnaire's items that ask how good something was, not whether it holds.
QUALITY_ITEMS = frozenset({"experts", "organisation"})

# --- experts --------------------------------------------------------------------------------

# Where an expert comes from (DOMAIN.md, "Expert mobilisation": pools built from the
# ministry's central services, its operators, its regional directorates, national
# services such as LRMH or C2RMF, and independent specialists).
INSTITUTIONS = Vocabulary(
    "institution",
    [
        ("central_service", _l("Central service of the ministry")),
        ("operator", _l("Operator of the ministry")),
        ("regional_directorate", _l("Regional directorate")),
        ("national_service", _l("National service")),
        ("independent", _l("Independent expert")),
    ],
)

FIELD_LEVELS = Vocabulary(
    "field_level",
    [("primary", _l("Primary field")), ("secondary", _l("Secondary field"))],
)

# How well an expert speaks a language; "working" and above can run a mission in it.
LANGUAGE_LEVELS = Vocabulary(
    "language_level",
    [
        ("native", _l("Native")),
        ("fluent", _l("Fluent")),
        ("working", _l("Working knowledge")),
        ("basic", _l("Basic")),
    ],
)
MISSION_LANGUAGE_LEVELS = ("native", "fluent", "working")

SENIORITY = Vocabulary(
    "seniority",
    [
        ("junior", _l("Junior (under 5 years)")),
        ("experienced", _l("Experienced (5 to 15 years)")),
        ("senior", _l("Senior (over 15 years)")),
    ],
)

# Where an expert stands on one request's team (DOMAIN.md: proposed → accepted / declined → confirmed).
TEAM_STATUSES = Vocabulary(
    "team_status",
    [
        ("proposed", lazy_pgettext("team member", "Proposed")),
        ("accepted", lazy_pgettext("team member", "Accepted")),
        ("declined", lazy_pgettext("team member", "Declined")),
        ("confirmed", lazy_pgettext("team member", "Confirmed")),
        ("withdrawn", lazy_pgettext("team member", "Withdrawn")),
    ],
)


# --- geography (DOMAIN.md §1.4): UN M49 sub-regions and continents, and the EU's groups ----

_M49_SUBREGIONS: dict[str, tuple[str, object, str]] = {
    # code: (continent, label, countries)
    "northern_africa": ("africa", _l("Northern Africa"), "DZ EG LY MA SD TN EH"),
    "eastern_africa": (
        "africa", _l("Eastern Africa"), "BI KM DJ ER ET KE MG MW MU YT MZ RE RW SC SO SS TZ UG ZM ZW IO TF"
    ),
    "middle_africa": ("africa", _l("Middle Africa"), "AO CM CF TD CG CD GQ GA ST"),
    "southern_africa": ("africa", _l("Southern Africa"), "BW SZ LS NA ZA"),
    "western_africa": ("africa", _l("Western Africa"), "BJ BF CV CI GM GH GN GW LR ML MR NE NG SH SN SL TG"),
    "caribbean": (
        "americas",
        _l("Caribbean"),
        "AI AG AW BS BB BQ VG KY CU CW DM DO GD GP HT JM MQ MS PR BL KN LC MF VC SX TT TC VI",
    ),
    "central_america": ("americas", _l("Central America"), "BZ CR SV GT HN MX NI PA"),
    "south_america": ("americas", _l("South America"), "AR BO BV BR CL CO EC FK GF GY PY PE GS SR UY VE"),
    "northern_america": ("americas", _l("Northern America"), "BM CA GL PM US"),
    "central_asia": ("asia", _l("Central Asia"), "KZ KG TJ TM UZ"),
    "eastern_asia": ("asia", _l("Eastern Asia"), "CN HK MO KP JP MN KR TW"),
    "south_eastern_asia": ("asia", _l("South-eastern Asia"), "BN KH ID LA MY MM PH SG TH TL VN"),
    "southern_asia": ("asia", _l("Southern Asia"), "AF BD BT IN IR MV NP PK LK"),
    "western_asia": ("asia", _l("Western Asia"), "AM AZ BH CY GE IQ IL JO KW LB OM QA SA PS SY TR AE YE"),
    "eastern_europe": ("europe", _l("Eastern Europe"), "BY BG CZ HU PL MD RO RU SK UA"),
    "northern_europe": ("europe", _l("Northern Europe"), "AX DK EE FO FI GG IS IE IM JE LV LT NO SJ SE GB"),
    "southern_europe": ("europe", _l("Southern Europe"), "AL AD BA HR GI GR VA IT MT ME MK PT SM RS SI ES XK"),
    "western_europe": ("europe", _l("Western Europe"), "AT BE FR DE LI LU MC NL CH"),
    "australia_new_zealand": ("oceania", _l("Australia and New Zealand"), "AU CX CC HM NZ NF"),
    "melanesia": ("oceania", _l("Melanesia"), "FJ NC PG SB VU"),
    "micronesia": ("oceania", _l("Micronesia"), "GU KI MH FM NR MP PW UM"),
    "polynesia": ("oceania", _l("Polynesia"), "AS CK PF NU PN WS TK TO TV WF"),
    "antarctica": ("antarctica", _l("Antarctica"), "AQ"),
}  # fmt: skip

CONTINENTS = Vocabulary(
    "continent",
    [
        ("africa", _l("Africa")),
        ("americas", _l("Americas")),
        ("asia", _l("Asia")),
        ("europe", _l("Europe")),
        ("oceania", _l("Oceania")),
        ("antarctica", _l("Antarctica")),
    ],
)

# The groups the EU's instruments work with (DOMAIN.md §1.4) and the ministry's usual ones.
_POLICY_GROUPS: dict[str, tuple[object, str]] = {
    "eu_enlargement": (_l("EU enlargement countries"), "AL BA ME MK RS TR XK UA MD GE"),
    "eastern_partnership": (_l("Eastern Partnership"), "AM AZ BY GE MD UA"),
    "southern_neighbourhood": (_l("Southern Neighbourhood"), "DZ EG IL JO LB LY MA PS SY TN"),
    "maghreb": (_l("Maghreb"), "DZ LY MA MR TN"),
    "mashreq": (_l("Mashreq"), "EG IQ JO LB PS SY"),
}


class Regions(Vocabulary):
    """Regions of experience: continents, UN M49 sub-regions and the EU's groups, each a set of countries."""

    def __init__(self):
        items: list[tuple[str, object]] = [(code, CONTINENTS.lazy_label(code)) for code in CONTINENTS.codes]
        self.countries_of: dict[str, frozenset[str]] = {code: frozenset() for code in CONTINENTS.codes}
        self.continent_of_country: dict[str, str] = {}
        for code, (continent, label, countries) in _M49_SUBREGIONS.items():
            items.append((code, label))
            members = frozenset(countries.split())
            self.countries_of[code] = members
            self.countries_of[continent] = self.countries_of[continent] | members
            self.continent_of_country.update(dict.fromkeys(members, continent))
        for code, (label, countries) in _POLICY_GROUPS.items():
            items.append((code, label))
            self.countries_of[code] = frozenset(countries.split())
        super().__init__("region", items)

    def near(self, country: str) -> frozenset[str]:
        """The sub-region and groups `country` belongs to (not its continent)."""
        return frozenset(
            code for code, members in self.countries_of.items() if country in members and code not in CONTINENTS
        )

    def continent(self, country: str) -> str | None:
        return self.continent_of_country.get(country)

    def countries_near(self, country: str) -> frozenset[str]:
        """Every country sharing a sub-region or a group with `country`, itself excluded."""
        near = set().union(*(self.countries_of[code] for code in self.near(country)))
        return frozenset(near - {country})

    def countries_on_continent(self, country: str) -> frozenset[str]:
        continent = self.continent(country)
        return self.countries_of[continent] - {country} if continent else frozenset()


REGIONS = Regions()
