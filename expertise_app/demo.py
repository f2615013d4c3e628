"""Demo data: fictional partner organisations, sixty experts, managers and some forty expertise requests.

`flask --app wsgi seed-demo` calls `seed_demo()`. Everything goes through the
application's own services: accounts through auth/accounts.py, requests through
cases/operations.py, each step fired by the person who would fire it (an expert or
a manager assesses, the lead expert or a manager mobilises, a team member
delivers, the lead or a manager closes, a manager declines, the partner
withdraws), with `at=` dates spread over the last 18 months. So the history, the
dashboards and the "assigned to me" lists look lived-in.

The fifteen scenarios of DOMAIN.md §4 come first in `SCENARIOS`, then others in the
same spirit; together they cover every state, every field of expertise and every
outcome. Dates and the choices left open (who assesses, extra team members,
participants) are drawn from `random.Random(2026)` relative to today, so two runs on
the same day plan the same data.

Seeding is idempotent: an account, organisation or request already there is left
alone. Everything is written in one transaction, which the `seed-demo` command
commits at its end: an interrupted run leaves nothing half done.

Besides the path through the states, the requests show the lifecycle as the ministry
runs it: questions to the partner (one answered, one waiting, one overdue), a case on
hold and one resumed, declines with their reason code, a redirect to TAIEX, and a
request the partner edited before it was assessed.

Every mobilised team goes through the team actions (mission planned, experts proposed,
each one accepting with the declaration, confirmed): members are drawn among experts
free over the mission (`Busy`), so the application's clash rule never refuses a demo
step. One assessed request has its team proposed with one refusal (to replace), one is
ready to mobilise, and the Jordan museum workshop's desired period overlaps the mission
of one of the best-suited experts, so its suggestions show the clash.
"""

from __future__ import annotations

import random
import secrets
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from .auth.accounts import create_user, find_user_by_email, get_or_create_organisation
from .auth.models import Organisation, Role, User
from .cases import operations
from .cases.models import ExpertiseRequest
from .db_types import utcnow
from .experts.models import Unavailability
from .experts.services import ProfileValues, new_profile
from .extensions import db
from .reference import ASSESSMENT_CRITERIA, FEEDBACK_ITEMS, FIELDS

SEED = 2026
HISTORY_DAYS = 550  # accounts exist from about 18 months ago; the oldest request is a little younger


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    password: str
    name: str


# The documented demo logins (printed by `seed-demo`). Every other account gets a random password.
DEMO_ACCOUNTS = [
    DemoAccount(Role.PARTNER, "partner@demo.passerelle.example", "demo-partner-2026", "Leïla Ben Salah"),
    DemoAccount(Role.PARTNER, "partner2@demo.passerelle.example", "demo-partner2-2026", "Youssef El Amrani"),
    DemoAccount(Role.EXPERT, "expert@demo.passerelle.example", "demo-expert-2026", "Camille Laurent"),
    DemoAccount(Role.MANAGER, "manager@demo.passerelle.example", "demo-manager-2026", "Claire Dubois"),
]


# ---------------------------------------------------------------------------
# Organisations and people
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoOrganisation:
    name: str
    country: str  # ISO 3166-1 alpha-2
    kind: str  # ORGANISATION_KINDS code
    city: str
    languages: tuple[str, ...]  # the working languages its requests ask for (ISO 639-1)
    partner: tuple[str, str]  # its partner account: (email, name)


ORGANISATIONS: dict[str, DemoOrganisation] = {
    "INP": DemoOrganisation(
        "Institut national du patrimoine", "TN", "heritage_agency", "Tunis", ("fr", "ar"),
        ("partner@demo.passerelle.example", "Leïla Ben Salah"),
    ),
    "ASM": DemoOrganisation(
        "Association de sauvegarde de la médina de Tunis", "TN", "ngo", "Tunis", ("fr", "ar"),
        ("karim.jaziri@asm.demo.passerelle.example", "Karim Jaziri"),
    ),
    "FNM": DemoOrganisation(
        "Fondation nationale des musées", "MA", "museum", "Rabat", ("fr", "ar"),
        ("partner2@demo.passerelle.example", "Youssef El Amrani"),
    ),
    "BNRM": DemoOrganisation(
        "Bibliothèque nationale du Royaume du Maroc", "MA", "library", "Rabat", ("fr", "ar"),
        ("nadia.bennani@bnrm.demo.passerelle.example", "Nadia Bennani"),
    ),
    "DOA": DemoOrganisation(
        "Department of Antiquities of Jordan", "JO", "heritage_agency", "Amman", ("en", "ar"),
        ("rania.haddad@doa.demo.passerelle.example", "Rania Haddad"),
    ),
    "DGA": DemoOrganisation(
        "Direction générale des antiquités du Liban", "LB", "heritage_agency", "Beirut", ("fr", "ar", "en"),
        ("georges.khoury@dga.demo.passerelle.example", "Georges Khoury"),
    ),
    "BYB": DemoOrganisation(
        "Municipalité de Byblos", "LB", "local_authority", "Byblos", ("fr", "ar"),
        ("maya.saad@byblos.demo.passerelle.example", "Maya Saad"),
    ),
    "MCU": DemoOrganisation(
        "Ministry of Culture of Ukraine", "UA", "ministry", "Kyiv", ("uk", "en"),
        ("olena.kovalenko@mcu.demo.passerelle.example", "Olena Kovalenko"),
    ),
    "NAC": DemoOrganisation(
        "National Agency for Cultural Heritage Preservation of Georgia", "GE", "heritage_agency", "Tbilisi",
        ("ka", "en"),
        ("nino.beridze@nacp.demo.passerelle.example", "Nino Beridze"),
    ),
    "MAL": DemoOrganisation(
        "Ministry of Culture of Albania", "AL", "ministry", "Tirana", ("sq", "en"),
        ("elira.hoxha@mca.demo.passerelle.example", "Elira Hoxha"),
    ),
    "MCI": DemoOrganisation(
        "Musée des civilisations de Côte d'Ivoire", "CI", "museum", "Abidjan", ("fr",),
        ("aya.kouassi@mcci.demo.passerelle.example", "Aya Kouassi"),
    ),
    "ANPT": DemoOrganisation(
        "Agence nationale de promotion des patrimoines et de développement du tourisme", "BJ", "heritage_agency",
        "Abomey", ("fr",),
        ("codjo.hounkpatin@anpt.demo.passerelle.example", "Codjo Hounkpatin"),
    ),
    "MSN": DemoOrganisation(
        "Ministère de la Culture du Sénégal", "SN", "ministry", "Dakar", ("fr",),
        ("awa.ndiaye@culture-sn.demo.passerelle.example", "Awa Ndiaye"),
    ),
    "MVN": DemoOrganisation(
        "Ministry of Culture, Sports and Tourism of Viet Nam", "VN", "ministry", "Hanoi", ("vi", "fr"),
        ("nguyen.thu.ha@mcst.demo.passerelle.example", "Nguyễn Thu Hà"),
    ),
    "AGN": DemoOrganisation(
        "Archivo General de la Nación", "MX", "archive", "Mexico City", ("es",),
        ("lucia.hernandez@agn.demo.passerelle.example", "Lucía Hernández"),
    ),
    "MDZ": DemoOrganisation(
        "Ministère de la Culture et des Arts d'Algérie", "DZ", "ministry", "Algiers", ("fr", "ar"),
        ("samir.belkacem@culture-dz.demo.passerelle.example", "Samir Belkacem"),
    ),
    "MAM": DemoOrganisation(
        "Ministry of Culture of Armenia", "AM", "ministry", "Yerevan", ("hy", "en"),
        ("anahit.sargsyan@culture-am.demo.passerelle.example", "Anahit Sargsyan"),
    ),
    "VKS": DemoOrganisation(
        "Vanuatu Cultural Centre", "VU", "museum", "Port Vila", ("bi", "en", "fr"),
        ("joel.tari@vks.demo.passerelle.example", "Joel Tari"),
    ),
}  # fmt: skip


@dataclass(frozen=True)
class DemoExpert:
    email: str
    name: str
    institution: str  # INSTITUTIONS code
    department: str
    primary: tuple[str, ...]  # FIELDS codes
    secondary: tuple[str, ...]
    languages: str  # "fr:native en:fluent ar:working" (ISO 639-1: LANGUAGE_LEVELS code)
    countries: tuple[str, ...] = ()  # ISO 3166-1 alpha-2: countries of experience
    regions: tuple[str, ...] = ()  # REGIONS codes
    public_official: bool = True
    seniority: str = "experienced"
    max_missions: int = 2
    away: tuple[tuple[int, int, str], ...] = ()  # unavailable: (first day, last day) from today, reason
    biography: str = ""

    @property
    def fields(self) -> tuple[str, ...]:
        return self.primary + self.secondary

    def profile_values(self) -> ProfileValues:
        return ProfileValues(
            primary_fields=list(self.primary),
            secondary_fields=list(self.secondary),
            languages=dict(item.split(":") for item in self.languages.split()),
            countries=list(self.countries),
            regions=list(self.regions),
            institution=self.institution,
            department=self.department,
            public_official=self.public_official,
            seniority=self.seniority,
            max_concurrent_missions=self.max_missions,
            biography=self.biography,
        )


# The experts the scenarios name, then others enough for the suggestions to choose from.
NAMED_EXPERTS: dict[str, DemoExpert] = {
    "laurent": DemoExpert(
        "expert@demo.passerelle.example", "Camille Laurent", "central_service", "DGPA — Heritage",
        ("HER", "ARC"), ("ARH", "TOU", "DIG"), "fr:native en:fluent ar:working",
        ("TN", "MA", "DZ", "LB", "JO"), ("maghreb", "mashreq"), seniority="senior", max_missions=3,
        biography="Chief heritage curator; twenty years of site management plans around the Mediterranean.",
    ),
    "moreau": DemoExpert(
        "julien.moreau@culture.demo.passerelle.example", "Julien Moreau", "central_service", "DGPA — Museums",
        ("MUS",), ("TRN", "VIS", "DIG"), "fr:native en:fluent ar:fluent",
        ("MA", "CI", "BJ", "UA", "LB", "JO"), ("maghreb", "mashreq", "western_africa"), seniority="senior",
        max_missions=3,
        biography="Museum storage and preventive conservation; grew up in Beirut, works in Arabic and French.",
    ),
    "garnier": DemoExpert(
        "helene.garnier@culture.demo.passerelle.example", "Hélène Garnier", "central_service",
        "DGPA — Archaeology", ("ARC",), ("HER", "TOU", "DIG"), "fr:native en:fluent ar:working",
        ("JO", "LB", "TN", "BJ", "UA"), ("mashreq",), seniority="senior", max_missions=2,
    ),
    "rousseau": DemoExpert(
        "antoine.rousseau@culture.demo.passerelle.example", "Antoine Rousseau", "central_service",
        "SG — Legal affairs", ("REG", "IPR"), ("GOV",), "fr:native en:fluent ru:working",
        ("GE", "AL", "UA", "AM", "MX"), ("eu_enlargement", "eastern_partnership"), seniority="senior",
    ),
    "lefevre": DemoExpert(
        "sophie.lefevre@culture.demo.passerelle.example", "Sophie Lefèvre", "central_service", "DGCA — Creation",
        ("PER", "MSC"), ("VIS", "EDU"), "fr:native en:fluent es:fluent",
        ("VN", "MX", "SN", "CI", "AL"), ("south_eastern_asia",), max_missions=2,
    ),
    "bertrand": DemoExpert(
        "nicolas.bertrand@culture.demo.passerelle.example", "Nicolas Bertrand", "central_service",
        "DGMIC — Media and cultural industries", ("CIN", "CCI"), ("BOO", "DIG"), "fr:native en:fluent es:working",
        ("SN", "CI", "MX", "VN", "MA", "AM"), ("western_africa",), max_missions=3,
    ),
    "fontaine": DemoExpert(
        "isabelle.fontaine@culture.demo.passerelle.example", "Isabelle Fontaine", "national_service",
        "Archives nationales", ("ARV",), ("ICH", "DIG", "BOO"), "fr:native es:fluent en:fluent",
        ("MX", "VU", "DZ", "UA"), ("central_america", "melanesia"), seniority="senior", max_missions=3,
    ),
    "girard": DemoExpert(
        "mathieu.girard@culture.demo.passerelle.example", "Mathieu Girard", "central_service",
        "DG2TDC — Transmission", ("EDU", "TRN"), ("ICH", "GOV", "ARH"), "fr:native en:fluent ar:basic",
        ("DZ", "BJ", "VU", "TN"), away=((0, 120, "Seconded to the Ministry of Education"),),
    ),
    # Arabic-speaking museum experts, for the Jordan workshop of the demo.
    "khalil": DemoExpert(
        "nour.khalil@louvre.demo.passerelle.example", "Nour Khalil", "operator", "Musée du Louvre — Conservation",
        ("MUS",), ("ARC", "TRN"), "ar:native fr:fluent en:fluent", ("JO", "LB", "SY", "EG"), ("mashreq",),
        seniority="senior", biography="Conservator of the Louvre's Near Eastern antiquities; trains museum teams.",
    ),
    "benali": DemoExpert(
        "karim.benali@drac-paca.demo.passerelle.example", "Karim Benali", "regional_directorate",
        "DRAC Provence-Alpes-Côte d'Azur", ("MUS",), ("TOU",), "fr:native ar:fluent en:working",
        ("MA", "DZ", "TN", "JO"), ("maghreb",),
    ),
    "haddad": DemoExpert(
        "salma.haddad@demo.passerelle.example", "Salma Haddad", "independent", "Independent museum consultant",
        ("MUS",), ("EDU",), "ar:native en:fluent fr:working", ("JO", "PS", "LB", "AE"), ("mashreq",),
        public_official=False, max_missions=3,
    ),
    "azoulay": DemoExpert(
        "rachel.azoulay@c2rmf.demo.passerelle.example", "Rachel Azoulay", "national_service",
        "C2RMF — Preventive conservation", ("MUS",), ("VIS", "DIG"), "fr:native en:fluent ar:working",
        ("EG", "JO", "MA"), ("mashreq", "maghreb"), seniority="experienced",
    ),
}  # fmt: skip

_FIRST_NAMES = (
    "Amélie", "Bruno", "Chloé", "David", "Élodie", "Fabien", "Gaëlle", "Hugo", "Inès", "Jérôme", "Khadija",
    "Léa", "Marc", "Nadia", "Olivier", "Pauline", "Quentin", "Rim", "Sébastien", "Thuy", "Ulysse", "Valérie",
    "Walid", "Xavier", "Yasmine", "Zoé", "Adrien", "Beatriz", "Carlos", "Dounia", "Émile", "Fatou",
)  # fmt: skip
_LAST_NAMES = (
    "Aubert", "Barbier", "Chevalier", "Da Silva", "Estève", "Faure", "Gauthier", "Hamdi", "Isnard", "Jacob",
    "Keita", "Lambert", "Mansouri", "Nguyen", "Ortega", "Perrin", "Quesnel", "Renaud", "Sanchez", "Traoré",
    "Urvoy", "Vidal", "Weber", "Yilmaz", "Zerbib", "Almeida", "Benoît", "Cissé", "Delmas", "Ferreira",
)  # fmt: skip
# (regions, countries, languages beyond French, how they are spoken) for each part of the world the roster covers.
_WORLD = (
    (("maghreb",), ("MA", "TN", "DZ", "MR"), ("ar", "en")),
    (("mashreq",), ("LB", "JO", "EG", "PS"), ("ar", "en")),
    (("western_africa",), ("SN", "CI", "BJ", "ML", "BF"), ("en", "wo")),
    (("middle_africa", "southern_africa"), ("CM", "GA", "CD", "AO", "ZA"), ("pt", "en")),
    (("south_america",), ("BR", "AR", "CL", "PE", "CO"), ("es", "pt")),
    (("central_america", "caribbean"), ("MX", "GT", "CU", "HT"), ("es", "en")),
    (("south_eastern_asia",), ("VN", "KH", "LA", "TH"), ("en", "vi")),
    (("eastern_asia",), ("CN", "JP", "KR"), ("en", "zh")),
    (("eastern_partnership", "eu_enlargement"), ("UA", "GE", "AM", "MD", "AL", "RS"), ("en", "ru")),
    (("melanesia", "polynesia"), ("VU", "FJ", "PF", "NC"), ("en",)),
)
_INSTITUTIONS = (
    ("central_service", "DGPA"), ("central_service", "DGCA"), ("central_service", "DGMIC"),
    ("operator", "Bibliothèque nationale de France"), ("operator", "Centre des monuments nationaux"),
    ("operator", "Musée du quai Branly"), ("operator", "Institut national du patrimoine"),
    ("regional_directorate", "DRAC Occitanie"), ("regional_directorate", "DRAC Grand Est"),
    ("national_service", "LRMH"), ("national_service", "Archives nationales"),
    ("independent", "Independent consultant"), ("independent", "Independent consultant"),
)  # fmt: skip
ROSTER_SIZE = 60


def _roster() -> dict[str, DemoExpert]:
    """The named experts and, drawn from a fixed seed, others up to ROSTER_SIZE with varied profiles."""
    rng = random.Random(SEED + 1)  # noqa: S311 (reproducible demo data)  # nosec B311
    experts = dict(NAMED_EXPERTS)
    fields = list(FIELDS.codes)
    taken = {expert.name for expert in experts.values()}
    index = 0
    while len(experts) < ROSTER_SIZE:
        first, last = _FIRST_NAMES[index % len(_FIRST_NAMES)], _LAST_NAMES[(index * 7) % len(_LAST_NAMES)]
        index += 1
        name = f"{first} {last}"
        if name in taken:
            continue
        taken.add(name)
        regions, countries, spoken = _WORLD[index % len(_WORLD)]
        institution, department = rng.choice(_INSTITUTIONS)
        primary = fields[index % len(fields)]
        secondary = tuple(rng.sample([code for code in fields if code != primary], rng.randint(1, 3)))
        levels = ["fr:native"] + [f"{code}:{rng.choice(('fluent', 'working', 'basic'))}" for code in spoken]
        away = ((rng.randint(10, 200), 0, "Annual leave"),) if rng.random() < 0.25 else ()
        slug = "".join(char for char in _ascii(name).lower() if char.isalnum() or char == " ").replace(" ", ".")
        experts[f"roster{index}"] = DemoExpert(
            f"{slug}@demo.passerelle.example",
            name,
            institution,
            department,
            (primary,),
            secondary,
            " ".join(levels),
            tuple(rng.sample(countries, rng.randint(1, min(3, len(countries))))),
            regions,
            public_official=institution != "independent",
            seniority=rng.choice(("junior", "experienced", "experienced", "senior")),
            max_missions=rng.choice((1, 2, 2, 3)),
            away=tuple((start, start + rng.randint(5, 25), reason) for start, _end, reason in away),
        )
    return experts


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


EXPERTS = _roster()


MANAGERS: dict[str, tuple[str, str]] = {
    "dubois": ("manager@demo.passerelle.example", "Claire Dubois"),
    "mercier": ("francois.mercier@culture.demo.passerelle.example", "François Mercier"),
}

# ---------------------------------------------------------------------------
# Requests
# ---------------------------------------------------------------------------

# Paths through the workflow: the triggers fired after the partner files the request.
SUBMITTED: tuple[str, ...] = ()
ASSESSED = ("assess",)
MOBILISED = ("assess", "mobilise")
LEAD_HANDED_OVER = ("assess", "mobilise", "hand_over_lead")  # the first lead called away once mobilised
DELIVERED = ("assess", "mobilise", "deliver")
COMPLETED = ("assess", "mobilise", "deliver", "close")
DECLINED = ("decline",)
DECLINED_AFTER_ASSESSMENT = ("assess", "decline")
WITHDRAWN = ("withdraw",)
WITHDRAWN_AFTER_ASSESSMENT = ("assess", "withdraw")
WITHDRAWN_AFTER_MOBILISATION = ("assess", "mobilise", "withdraw")
REDIRECTED = ("redirect",)
ASKED = ("ask_partner",)  # waiting for the partner's answer
ASKED_AND_ANSWERED = ("ask_partner", "answer")
EDITED = ("edit",)
ON_HOLD = ("assess", "hold")
HELD_AND_RESUMED = ("assess", "hold", "resume")
# Building the team ("mobilise" does all of it first): experts proposed, some answers still awaited;
# or the team confirmed and the mission planned, ready to be mobilised.
TEAM_PROPOSED = ("assess", "proposal")
TEAM_READY = ("assess", "team")
TEAM_STEPS = ("mobilise", "team", "proposal")


@dataclass(frozen=True)
class Scenario:
    org: str  # ORGANISATIONS key
    field: str  # FIELDS code
    assistance: str  # ASSISTANCE_TYPES code
    instrument: str  # INSTRUMENTS code
    path: tuple[str, ...]
    filed: int  # days ago the request was filed (moved earlier if its path does not fit by yesterday)
    title: str
    context: str
    objectives: str
    lead: str | None = None  # EXPERTS key named lead expert at assessment
    team: tuple[str, ...] = ()  # other experts mobilised with the lead (default: perhaps one, drawn)
    priority: str = "normal"  # set at assessment
    reason: str = ""  # for decline or withdraw
    follow_up: str = "none"  # FOLLOW_UPS code, recorded at closure
    mission_format: str | None = None  # default: from the type of assistance
    place: str | None = None  # default: from the mission format and the organisation's city
    days: int | None = None  # mission length (default: drawn for the type of assistance)
    code: str = ""  # the decline reason code, or the redirect destination
    detail: str = ""  # for a redirect: which body, whom to contact
    question: str = ""  # asked of the partner (ask_partner)
    answer: str = ""  # the partner's answer
    due_days: int = 14  # days the partner is given to answer
    hold_reason: str = ""
    edits: tuple[tuple[str, Any], ...] = ()  # (field, new value) the partner changes (edit)
    period_from_today: int | None = None  # the desired period (and any mission) starts this many days from today
    declines: tuple[str, ...] = ()  # EXPERTS keys who decline the proposal (TEAM_PROPOSED)
    # Written after the last step: (post_message or post_note, "partner" | "lead" | "manager", text).
    talk: tuple[tuple[str, str, str], ...] = ()
    feedback: bool = True  # a completed mission: the partner answers the questionnaire and rates the team
    follows: str | None = None  # the title of the organisation's closed request that this one follows up


FEEDBACK_COMMENTS = (
    "The experts listened before they advised; the plan is already in use.",
    "Very useful. We would have liked more time with the site managers.",
    "Well prepared and well organised. The report came quickly.",
    "Good exchanges; the translation of the documents took longer than planned.",
)
RATING_COMMENTS = ("Clear, patient and practical.", "Excellent knowledge of the field.", "", "Very available.")


SCENARIOS: list[Scenario] = [
    # --- The fifteen scenarios of DOMAIN.md §4 ---
    Scenario(
        "INP", "TOU", "expert_mission", "bilateral", COMPLETED, filed=470, lead="laurent", team=("garnier",),
        title="Visitor-flow plan for the Carthage archaeological site",
        context="Visitor numbers at Carthage have doubled in five years; paths erode, queues form at the Antonine "
        "Baths and the site has no counting system. The plan must be ready before the next high season.",
        objectives="Map visitor flows; define carrying capacity per area; design circuits and signage principles.",
        follow_up="training",
    ),
    Scenario(
        "FNM", "MUS", "study_visit", "bilateral", MOBILISED, filed=70, lead="moreau",
        # Filed in French, as the Foundation writes (DOMAIN.md's scenario 2): searching "musee" finds it.
        title="Conservation préventive et réorganisation des réserves muséales",
        context="Les quatorze musées de la Fondation partagent des réserves saturées, sans contrôle climatique. "
        "Les conservateurs veulent voir comment les musées français ont conçu leurs centres de conservation.",
        objectives="Visiter deux centres de conservation partagés ; apprendre à planifier les réserves, "
        "le conditionnement et le suivi climatique.",
        place="Paris and Liévin (Louvre conservation centre)",
    ),
    Scenario(
        "DOA", "ARC", "workshop", "taiex", TEAM_PROPOSED, filed=40, lead="garnier", team=("laurent", "khalil"),
        declines=("khalil",),
        talk=(
            ("post_note", "lead", "TAIEX: check with the EU Delegation that the application form is filed before "
             "we confirm anyone."),
        ),
        title="3D documentation of archaeological sites",
        context="The Department documents excavations with drawings and photographs only. A new photogrammetry "
        "unit has equipment but no agreed methods or data standards for 3D records.",
        objectives="Agree on photogrammetry and laser-scanning protocols; define archiving formats for 3D data.",
    ),
    Scenario(
        "DGA", "HER", "expert_mission", "bilateral", MOBILISED, filed=20, lead="laurent", team=("garnier",),
        priority="emergency", days=12,
        title="Damage assessment of historic buildings",
        context="Recent strikes damaged historic buildings in the old towns of Tyre and Nabatieh. Several façades "
        "threaten to collapse and owners ask for demolition permits: the Directorate needs a rapid assessment.",
        objectives="Assess structural damage building by building; define emergency shoring; triage permit requests.",
    ),
    Scenario(
        "MCU", "MUS", "remote_advice", "taiex", ASKED_AND_ANSWERED, filed=12,
        question="Could you send the draft national template and the two pilot museums' plans you mention?",
        answer="Attached to our letter of this week: the draft template and the plans of the Kharkiv and Lviv museums.",
        title="Emergency evacuation plans for museum collections",
        context="Regional museums must be able to evacuate their most valuable collections at short notice. Most "
        "have no priority lists, packing materials or trained teams, and plans differ from one region to another.",
        objectives="Review the draft national template for evacuation plans and two pilot museum plans.",
    ),
    Scenario(
        "NAC", "REG", "twinning_component", "eu_twinning", ON_HOLD, filed=75, lead="rousseau",
        hold_reason="The draft law is back with Parliament's committee; we resume once its new text is out.",
        title="Aligning the cultural heritage law with European standards",
        context="Georgia is revising its 2007 Law on Cultural Heritage. The Agency wants the new text to follow the "
        "Council of Europe conventions and EU practice on archaeology in planning and on movable heritage.",
        objectives="Compare the draft law with European standards; propose amendments and implementing decrees.",
    ),
    Scenario(
        "MAL", "IPR", "workshop", "unknown", REDIRECTED, filed=200,
        code="eu_taiex_twinning", detail="EU Delegation to Albania, Tirana",
        title="Transposing the EU directive on copyright in the digital single market",
        context="Albania must transpose Directive (EU) 2019/790 as part of its accession negotiations. The Ministry "
        "asks for a workshop for its legal department and the collective management organisations.",
        objectives="Explain the directive's main articles and the choices left to Member States.",
        reason="Transposing EU law as a candidate country is what TAIEX is for: we have redirected the request to "
        "the EU Delegation in Tirana and will gladly provide experts through TAIEX.",
    ),
    Scenario(
        "MCI", "TRN", "training", "bilateral", DELIVERED, filed=160, lead="moreau",
        mission_format="in_france", place="Paris and Marseille (national museums)",
        title="Training curators in inventory and digitisation",
        context="The Museum of Civilisations is re-inventorying its collections after their restitution-related "
        "research. Its curators need training in inventory standards and digitisation workflows.",
        objectives="Train six curators in inventory standards, collection databases and digitisation.",
    ),
    Scenario(
        "ANPT", "TOU", "expert_mission", "other", ASSESSED, filed=55, lead="garnier",
        title="Visitor experience at the Royal Palaces of Abomey",
        context="The new museum of the Royal Palaces of Abomey, funded by AFD, opens soon. The Agency needs a "
        "long-term expert to design the visitor experience from the town to the palaces.",
        objectives="Design visitor routes, interpretation and reception services for the palace complex.",
    ),
    Scenario(
        "MSN", "CIN", "expert_mission", "bilateral", ASKED, filed=35,
        question="Please send the official request letter signed by the Minister, and the fund's current statutes.",
        title="Governance of a national film fund",
        context="Senegal's fund for the promotion of the film industry (FOPICA) has grown fast. The Ministry "
        "wants to review its governance, selection committees and reporting before the next funding round.",
        objectives="Review the fund's statutes, committee rules and procedures; compare with CNC practice.",
    ),
    Scenario(
        "MVN", "PER", "workshop", "bilateral", SUBMITTED, filed=8,
        title="Venue management and audience development",
        context="Provincial theatres built in the last decade are underused. Managers ask how French national "
        "and municipal venues programme seasons, build audiences and work with touring companies.",
        objectives="Hold a workshop for venue managers on programming, ticketing and audience development.",
    ),
    Scenario(
        "AGN", "ARV", "remote_advice", "other", SUBMITTED, filed=20,
        title="Digital preservation strategy for the national archives",
        context="The AGN receives more and more born-digital records from federal agencies but has no digital "
        "repository or preservation policy. The project is funded by the Archives themselves.",
        objectives="Review the draft digital preservation strategy and the repository specification.",
    ),
    Scenario(
        "MDZ", "ICH", "twinning_component", "eu_twinning", MOBILISED, filed=95, lead="fontaine",
        title="National inventory of intangible cultural heritage",
        context="Following the TAIEX workshop on inventorying intangible heritage held in Algiers, the Ministry "
        "launches a twinning component to build the national inventory with communities and researchers.",
        objectives="Set up the inventory's method, database and community consent procedures; train inventory teams.",
    ),
    Scenario(
        "MAM", "GOV", "expert_mission", "bilateral", DECLINED, filed=160, code="duplicate",
        title="A framework for cultural statistics",
        context="Armenia has no regular statistics on cultural participation or employment. The Ministry wants a "
        "framework aligned with the UNESCO Framework for Cultural Statistics.",
        objectives="Define indicators, data sources and a publication calendar.",
        reason="This duplicates the UNESCO project on cultural statistics already under way with your Ministry; "
        "we have asked our delegation to UNESCO to make sure our experts are associated with it.",
    ),
    Scenario(
        "VKS", "ICH", "remote_advice", "unesco", ASSESSED, filed=60,
        title="Archiving sand-drawing traditions",
        context="Sand drawing, inscribed on UNESCO's Representative List, is recorded by the Centre's fieldworkers "
        "network. Thousands of recordings sit on unmanaged hard drives, with consent records on paper.",
        objectives="Advise on an archive for recordings, metadata and community access rules.",
    ),
    # --- More requests in the same spirit ---
    Scenario(
        "INP", "HER", "expert_mission", "bilateral", SUBMITTED, filed=6,
        title="Condition survey of the Kairouan medina ramparts",
        context="Parts of the ramparts of the Kairouan medina, a World Heritage property, have collapsed after "
        "heavy rains. The Institute needs a condition survey before choosing repair techniques.",
        objectives="Survey the ramparts' condition; rank sections by risk; recommend compatible repair techniques.",
    ),
    Scenario(
        "INP", "MUS", "remote_advice", "bilateral", ASKED, filed=9, due_days=21,
        title="Storage standards for the Bardo's reserve collections",
        context="The Bardo's reserves hold thousands of objects in rooms without climate control, and a new storage "
        "building is being designed. The Institute wants advice on standards before the architect's brief is final.",
        objectives="Review the storage building's brief; recommend environmental and shelving standards.",
        question="Please send the official request letter, signed by the Institute's director, and the architect's "
        "current brief for the storage building.",
    ),
    Scenario(
        "INP", "DIG", "remote_advice", "bilateral", TEAM_READY, filed=50, lead="laurent",
        title="Digital inventory of the Bardo mosaics",
        context="The Bardo's mosaic collection, one of the world's largest, is documented on index cards. The "
        "Institute is choosing a collection database and wants advice on data structure and photography.",
        objectives="Advise on the data model, controlled vocabularies and a photography protocol.",
    ),
    Scenario(
        "INP", "ARC", "expert_mission", "bilateral", LEAD_HANDED_OVER, filed=60, lead="garnier", team=("laurent",),
        title="Excavation archives and finds register for Dougga",
        context="Decades of excavation records for Dougga are scattered between Tunis, the site and foreign "
        "teams. The Institute wants one finds register and an archive everyone deposits in.",
        objectives="Design the finds register and deposit rules for excavation archives; train the site team.",
    ),
    Scenario(
        "INP", "ARH", "expert_mission", "bilateral", DELIVERED, filed=150, lead="laurent",
        title="Rehabilitation guidelines for the historic centre of Sousse",
        context="Owners in the medina of Sousse replace traditional doors, windows and plasters with modern ones. "
        "The Institute and the municipality want illustrated rehabilitation guidelines.",
        objectives="Draft illustrated guidelines for façades, openings and materials; train municipal staff.",
    ),
    Scenario(
        "INP", "EDU", "workshop", "bilateral", WITHDRAWN_AFTER_ASSESSMENT, filed=300,
        title="Heritage education kits for schools around Carthage",
        context="Schools near Carthage visit the site without preparation. The Institute wants education kits "
        "designed with teachers, on the French model of heritage classes.",
        objectives="Co-design education kits and a teachers' workshop.",
        reason="The regional education directorate we worked with has been reorganised; we will file again next year.",
    ),
    Scenario(
        "ASM", "ARH", "expert_mission", "bilateral", COMPLETED, filed=420, lead="girard", team=("laurent",),
        title="Adaptive reuse of the fondouks of the Tunis medina",
        context="Several fondouks (historic caravanserais) of the Tunis medina stand empty. The Association wants "
        "to show the city how they could host craft workshops and housing without losing their character.",
        objectives="Study three fondouks; propose reuse programmes and a conservation brief for each.",
        follow_up="further_mission",
    ),
    Scenario(
        "FNM", "MUS", "expert_mission", "bilateral", COMPLETED, filed=500, lead="moreau",
        title="Audience research methods for regional museums",
        context="The Foundation's regional museums know little about their visitors. It wants a common audience "
        "survey that every museum can run each year with its own staff.",
        objectives="Design a common visitor survey and train museum staff to run and analyse it.",
        follow_up="training",
    ),
    Scenario(
        "FNM", "VIS", "workshop", "bilateral", EDITED, filed=28,
        edits=(
            ("participants_expected", 24),
            (
                "objectives",
                "Hold a workshop on documenting, storing and re-installing contemporary and media art; "
                "include the museum's technicians and its registrar.",
            ),
        ),
        title="Conservation of contemporary art in the national collections",
        context="The Mohammed VI Museum acquires installations and video works whose materials age fast. Its "
        "team asks for a workshop on conserving contemporary and media art.",
        objectives="Hold a workshop on documenting, storing and re-installing contemporary and media art.",
    ),
    Scenario(
        "BNRM", "BOO", "expert_mission", "bilateral", MOBILISED, filed=75, lead="bertrand", team=("fontaine",),
        title="Digitisation plan for the manuscript collections",
        context="The Library holds over 30,000 manuscripts, some very fragile. It wants a digitisation plan "
        "setting priorities, imaging standards and conditions for online access.",
        objectives="Set digitisation priorities and imaging standards; plan online access and rights.",
    ),
    Scenario(
        "BNRM", "BOO", "training", "bilateral", WITHDRAWN, filed=260,
        title="Library services for readers with disabilities",
        context="The Library is opening an accessible reading room and wants its staff trained in adapted formats "
        "and services for blind and partially sighted readers.",
        objectives="Train twelve librarians in accessible formats and reader services.",
        reason="Another donor has offered to fund this training within a wider programme.",
    ),
    Scenario(
        "DOA", "ARC", "training", "taiex", COMPLETED, filed=510, lead="garnier",
        title="Rock-art recording techniques at Wadi Rum",
        context="The rock art of Wadi Rum suffers from graffiti and erosion. Inspectors need training in recording "
        "techniques before a full survey of the protected area.",
        objectives="Train inspectors in photographic and digital tracing methods for rock art.",
        follow_up="further_mission",
    ),
    Scenario(
        "DOA", "HER", "expert_mission", "bilateral", WITHDRAWN_AFTER_MOBILISATION, filed=280, lead="garnier",
        title="Stabilising the basalt buildings of Umm el-Jimal",
        context="Several two-storey basalt houses at Umm el-Jimal lean dangerously after winter storms. The "
        "Department asks for structural advice before the next rains.",
        objectives="Assess the leaning buildings; design temporary and long-term stabilisation.",
        reason="Access to the site is closed for the coming months; we will submit a new request later.",
    ),
    Scenario(
        "DGA", "MUS", "expert_mission", "bilateral", COMPLETED, filed=440, lead="moreau", team=("laurent",),
        priority="urgent",
        title="Conservation of collections damaged in the Beirut port explosion",
        context="Museum collections near the port were damaged by the explosion: broken glass, ceramics and "
        "paintings. The Directorate needs conservators' advice to prioritise treatments.",
        objectives="Triage damaged objects; set up a temporary conservation workshop; train local conservators.",
        follow_up="training",
    ),
    Scenario(
        "BYB", "ARH", "expert_mission", "bilateral", SUBMITTED, filed=15,
        title="Urban heritage regulations for the old souk of Byblos",
        context="The old souk of Byblos, inside the World Heritage property, is changing fast with tourism. The "
        "municipality wants regulations on shop fronts, signs and extensions.",
        objectives="Draft urban heritage regulations and a simple permit checklist for the souk.",
    ),
    Scenario(
        "MCU", "DIG", "remote_advice", "taiex", COMPLETED, filed=380, lead="fontaine", team=("bertrand",),
        priority="urgent",
        title="Secure digital back-up of museum inventories",
        context="Museum inventories exist in a single copy, often on paper. The Ministry wants them digitised and "
        "backed up outside the country, with rules for access and restoration.",
        objectives="Advise on formats, back-up architecture and access rules for the inventories.",
        follow_up="eu_instrument",
    ),
    Scenario(
        "MCU", "HER", "expert_mission", "bilateral", DELIVERED, filed=110, lead="garnier", team=("laurent",),
        priority="emergency",
        title="Protective shelters for monumental sculpture in Odesa",
        context="Monuments in the historic centre of Odesa, a World Heritage property, need protection against "
        "blast and debris. The shelters built in haste trap moisture and damage the stone.",
        objectives="Inspect the shelters; recommend ventilated designs and monitoring.",
    ),
    Scenario(
        "NAC", "TOU", "workshop", "bilateral", DECLINED, filed=330, code="out_of_scope",
        title="Cultural routes of wine heritage in Kakheti",
        context="The Agency wants to develop a cultural route around wine heritage, linking monasteries, cellars "
        "and villages in Kakheti, and asks for a workshop with local actors.",
        objectives="Hold a workshop on designing and managing a cultural route.",
        reason="This fits the Council of Europe's Cultural Routes programme better than our own expertise; we "
        "recommend contacting the European Institute of Cultural Routes.",
    ),
    Scenario(
        "MAL", "MSC", "remote_advice", "bilateral", COMPLETED, filed=350, lead="lefevre",
        title="Sound archive of Albanian iso-polyphony",
        context="Recordings of iso-polyphonic singing since the 1950s are stored on ageing tapes at the national "
        "ensemble. The Ministry wants a plan to digitise and catalogue them.",
        objectives="Advise on transfer priorities, audio formats and cataloguing of the recordings.",
        follow_up="none",
    ),
    Scenario(
        "MCI", "VIS", "workshop", "bilateral", HELD_AND_RESUMED, filed=45, lead="lefevre",
        hold_reason="Waiting for the Museum's new director to confirm the project.",
        title="A design incubator for the artisans of Grand-Bassam",
        context="Artisans in Grand-Bassam sell to tourists but rarely reach design shops. The Museum wants to start "
        "an incubator linking artisans and young designers.",
        objectives="Hold a workshop with artisans and designers; outline the incubator's programme.",
    ),
    Scenario(
        "ANPT", "ARH", "expert_mission", "other", COMPLETED, filed=480, lead="girard", team=("laurent",),
        title="Restoring the Afro-Brazilian houses of Ouidah",
        context="Ouidah's Afro-Brazilian houses are decaying and some owners want to demolish them. The Agency "
        "wants a restoration pilot on two houses to show what can be done.",
        objectives="Survey two houses; design restoration works; train local builders in lime techniques.",
        follow_up="further_mission",
    ),
    Scenario(
        "MSN", "CCI", "expert_mission", "bilateral", DELIVERED, filed=130, lead="bertrand",
        title="Business models for Dakar's creative hubs",
        context="Creative hubs in Dakar depend on one-off grants. The Ministry wants advice on sustainable "
        "business models before launching a support programme.",
        objectives="Review five hubs' business models; recommend the design of the support programme.",
    ),
    Scenario(
        "MSN", "BOO", "workshop", "bilateral", WITHDRAWN, filed=140,
        title="A national book policy: support for publishers",
        context="Senegalese publishers struggle with printing costs and distribution. The Ministry is drafting a "
        "book policy and asks for a workshop on support schemes for publishers and bookshops.",
        objectives="Present French support schemes for publishers and bookshops; discuss what fits Senegal.",
        reason="The workshop has been merged into a wider UNESCO project on the book sector.",
    ),
    Scenario(
        "MVN", "MSC", "workshop", "bilateral", COMPLETED, filed=300, lead="lefevre", feedback=False,
        title="Management and touring of the national symphony orchestra",
        context="The orchestra wants to tour regional cities and abroad but lacks planning and contracting "
        "experience. The Ministry asks for a workshop with French orchestra managers.",
        objectives="Share touring, contracting and season-planning practice with the orchestra's management.",
        follow_up="none",
    ),
    Scenario(
        "AGN", "IPR", "remote_advice", "other", DECLINED_AFTER_ASSESSMENT, filed=250, code="out_of_scope",
        title="Rights clearance for digitised film archives",
        context="The Archives hold newsreels and documentaries whose rights holders are unknown. Before putting "
        "them online they ask how to clear rights on orphan works.",
        objectives="Advise on orphan-works searches and licensing for online access.",
        reason="The questions depend on Mexican copyright law, outside our remit; we recommend WIPO's advisory "
        "service, and can share the EU orphan-works guidance for reference.",
    ),
    Scenario(
        "MDZ", "ICH", "workshop", "taiex", COMPLETED, filed=520, lead="fontaine",
        title="TAIEX workshop on inventorying intangible heritage",
        context="Algeria has inscribed several elements on UNESCO's lists but has no national inventory method. "
        "The Ministry asks for a TAIEX workshop with European inventory practitioners.",
        objectives="Compare European inventory methods; agree on next steps for a national inventory.",
        follow_up="eu_instrument",
    ),
    Scenario(
        "MDZ", "ICH", "expert_mission", "eu_twinning", ASSESSED, filed=25,
        follows="TAIEX workshop on inventorying intangible heritage",
        title="Twinning for a national inventory of intangible heritage",
        context="The TAIEX workshop showed what a national inventory needs: a method, trained inventory teams and a "
        "database. The Ministry now asks for a twinning to build them with a European partner over two years.",
        objectives="Adopt an inventory method; train regional teams; set up the inventory database.",
    ),
    Scenario(
        "MAM", "CIN", "expert_mission", "bilateral", MOBILISED, filed=55, lead="bertrand",
        title="Restoration and digitisation of Armenian film heritage",
        context="The national film archive holds nitrate and acetate reels from the 1920s onwards, some "
        "decomposing. The Ministry wants a restoration and digitisation plan.",
        objectives="Assess the film stock's condition; plan storage, restoration and digitisation.",
    ),
    Scenario(
        "VKS", "EDU", "training", "unesco", SUBMITTED, filed=25,
        title="Teaching kastom knowledge in schools",
        context="The Centre's fieldworkers want to bring kastom knowledge into schools with teachers. They ask "
        "for training on designing arts and culture education programmes.",
        objectives="Train fieldworkers and teachers to design school programmes with communities.",
    ),
    Scenario(
        "MVN", "EDU", "workshop", "bilateral", ASSESSED, filed=70,
        title="Arts education in secondary school curricula",
        context="The Ministry of Education and the Ministry of Culture are revising arts education in secondary "
        "schools and want to learn from France's arts and cultural education policy.",
        objectives="Hold a workshop on arts education curricula and partnerships with cultural venues.",
    ),
    # --- Mobilisation: a workshop to staff, while one of the best-suited experts is already on a mission ---
    Scenario(
        "DGA", "MUS", "expert_mission", "bilateral", MOBILISED, filed=45, lead="moreau", period_from_today=50, days=5,
        title="Emergency storage plan for the National Museum's reserves",
        context="Water seeped into the basement reserves of the National Museum last winter. The Directorate must "
        "move two thousand objects to safer rooms and wants a storage and monitoring plan before the rains.",
        objectives="Assess the reserves; plan the move and the new storage rooms; train the team in monitoring.",
    ),
    Scenario(
        "DOA", "MUS", "workshop", "bilateral", ASSESSED, filed=30, period_from_today=48,
        talk=(
            ("post_note", "manager", "The embassy in Amman supports the request; the Department prefers dates "
             "after the school holidays."),
            ("post_message", "partner", "Our curators can host the workshop at the Irbid museum, which has a "
             "lecture room for thirty people.\nWe can also arrange visits to the Karak and Aqaba stores."),
        ),
        title="Preventive conservation workshop for Jordan's regional museums",
        context="Jordan's regional museums in Irbid, Karak and Aqaba keep their collections in rooms without "
        "climate control or pest management. Their curators ask for a practical workshop, held in Arabic.",
        objectives="Train twenty curators in preventive conservation: environment, pests, handling and storage.",
    ),
]  # fmt: skip


# ---------------------------------------------------------------------------
# Texts and numbers that follow from the type of assistance
# ---------------------------------------------------------------------------

EXPECTED_RESULTS = {
    "expert_mission": "A mission report with prioritised recommendations, discussed with the team at a final meeting.",
    "workshop": "A workshop with its programme and presentations, and recommendations shared with participants.",
    "study_visit": "A study-visit programme, meetings with peer institutions and a note on what can be adapted.",
    "training": "A trained group of professionals, reusable training materials and an evaluation of the course.",
    "remote_advice": "A written opinion on the partner's documents, discussed in two video meetings.",
    "twinning_component": "A joint work plan with benchmarks, short-term expert missions and progress reports.",
}

MISSION_FORMAT_OF = {
    "expert_mission": "on_site",
    "workshop": "on_site",
    "study_visit": "in_france",
    "training": "on_site",
    "remote_advice": "remote",
    "twinning_component": "hybrid",
}

MISSION_DAYS = {  # (shortest, longest)
    "expert_mission": (3, 5),
    "workshop": (2, 3),
    "study_visit": (5, 8),
    "training": (8, 12),
    "remote_advice": (20, 40),
    "twinning_component": (60, 120),
}

PARTICIPANTS = {  # expected participants (shortest, longest); None: not relevant
    "expert_mission": (6, 20),
    "workshop": (15, 40),
    "study_visit": (3, 6),
    "training": (6, 15),
    "remote_advice": None,
    "twinning_component": (10, 30),
}

REPORTS = {
    "expert_mission": "{days} days on site in {place} with the partner's team: visits, interviews and a closing "
    "meeting with {participants} people. The report sets out the findings and prioritised recommendations.",
    "workshop": "Workshop held in {place} over {days} days with {participants} participants: presentations, case "
    "studies and group work. The recommendations agreed on the last day are annexed.",
    "study_visit": "{days}-day study visit in {place} for {participants} officials, with meetings at peer "
    "institutions. The return note lists the practices the partner plans to adapt.",
    "training": "{days}-day course in {place} for {participants} professionals, half of it practical. The training "
    "materials were handed over; the participants' evaluation is annexed.",
    "remote_advice": "Desk review of the partner's documents over {days} days, with two video meetings attended by "
    "{participants} staff. The written opinion and annotated documents were sent to the partner.",
    "twinning_component": "Component delivered over {days} days in {place}: short-term expert missions, a joint work "
    "plan with benchmarks and a final progress report shared with {participants} staff.",
}

# Which part of the ministry a field belongs to (DOMAIN.md §1.2), for the assessment notes.
DIRECTORATE_OF = {
    **dict.fromkeys(("HER", "ARC", "ICH", "MUS", "ARV", "ARH", "TOU"), "DGPA"),
    **dict.fromkeys(("PER", "MSC", "VIS"), "DGCA"),
    **dict.fromkeys(("BOO", "CIN", "CCI"), "DGMIC"),
    **dict.fromkeys(("DIG", "IPR", "TRN", "GOV", "REG"), "the General Secretariat"),
    "EDU": "DG2TDC",
}

ELIGIBILITY_NOTES = (
    "Eligible public body; request endorsed by the French embassy. Within the remit of {directorate}.",
    "Received through the Institut français. Eligible, no duplication with EU or UNESCO support; {directorate} "
    "consulted.",
    "Eligible requester and country. Objectives are clear and the lead time is realistic; {directorate} agrees.",
    "Official letter received. Fits {directorate}'s priorities for the region; experts are available.",
)

CLOSING_SUMMARIES = (
    "Mission delivered as planned; the partner has accepted the report and started on its recommendations.",
    "Report accepted by the partner. Participants rated the mission highly; the main recommendations are funded.",
    "Delivered with a short delay due to visas; the partner has accepted the report.",
    "Report accepted. The partner has appointed a team to carry the recommendations forward.",
)

GAPS = {  # days between the previous step and this one: (shortest, longest)
    "assess": (4, 18),
    "decline": (6, 20),
    "withdraw": (5, 30),
    "mobilise": (10, 30),
    "team": (10, 30),
    "proposal": (5, 15),
    "close": (7, 30),
    "redirect": (6, 20),
    "ask_partner": (1, 4),
    "answer": (2, 6),
    "edit": (1, 3),
    "hold": (3, 10),
    "resume": (5, 15),
}
# Steps added to a scenario after the others were written: dated (day and hour) without drawing from the
# random generator, so that every other request keeps the dates, teams and people it had.
FIXED_GAPS = {"hand_over_lead": 3}
URGENT_GAPS = {"assess": (1, 3), "mobilise": (2, 5)}


# ---------------------------------------------------------------------------
# Planning: what each request's history will be (pure, no database)
# ---------------------------------------------------------------------------

Actor = tuple[str, str]  # ("partner", organisation key) | ("expert", expert key) | ("manager", manager key)


@dataclass
class PlannedStep:
    trigger: str
    actor: Actor
    data: dict[str, Any]  # experts are named by key; resolved to ids when fired
    at: datetime


@dataclass
class Plan:
    scenario: Scenario
    filed_at: datetime
    request: dict[str, Any]
    steps: list[PlannedStep] = field(default_factory=list)


def _experts_for(field_code: str) -> list[str]:
    """Experts who know `field_code` (every expert if none does)."""
    return [key for key, expert in EXPERTS.items() if field_code in expert.fields] or list(EXPERTS)


Busy = dict[str, list[tuple[date, date]]]  # per expert key: the periods they are committed


def _free(key: str, start: date, end: date, busy: Busy) -> bool:
    return all(end < other_start or start > other_end for other_start, other_end in busy.get(key, []))


def _busy_at_start(today: date) -> Busy:
    """Every expert's unavailable periods, which no demo mission may overlap."""
    return {
        key: [(today + timedelta(days=first), today + timedelta(days=last)) for first, last, _reason in expert.away]
        for key, expert in EXPERTS.items()
    }


def _moment(day: date, rng: random.Random) -> datetime:
    """A time in office hours on `day`, in UTC."""
    return datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59)), tzinfo=UTC)


def _day_offsets(scenario: Scenario, rng: random.Random) -> dict[str, int]:
    """Days after filing of each step and of the desired and mission periods."""
    urgent = scenario.priority != "normal"
    days: dict[str, int] = {}
    days["period_start"] = rng.randint(10, 25) if urgent else rng.randint(45, 100)
    days["period_end"] = days["period_start"] + rng.randint(30, 120)
    duration = scenario.days or rng.randint(*MISSION_DAYS[scenario.assistance])
    day = 0
    for trigger in scenario.path:
        if trigger == "deliver":
            days["actual_start"] = days["planned_start"] + rng.randint(0, 2)
            days["actual_end"] = days["actual_start"] + duration - 1
            day = days["actual_end"] + rng.randint(3, 14)
        elif trigger == "withdraw" and "planned_start" in days:
            day += rng.randint(3, 10)  # before the planned mission starts
        elif trigger in FIXED_GAPS:
            day += FIXED_GAPS[trigger]
        else:
            gaps = URGENT_GAPS if urgent and trigger in URGENT_GAPS else GAPS
            day += rng.randint(*gaps[trigger])
        if trigger in TEAM_STEPS:
            notice = 3 if urgent else 14
            days["planned_start"] = max(days["period_start"], day + notice) + rng.randint(0, 10)
            days["planned_end"] = days["planned_start"] + duration - 1
        days[trigger] = day
    return days


def plan_request(scenario: Scenario, rng: random.Random, today: date, busy: Busy) -> Plan:
    """The filing data and the steps of one request, dated so that the last step is before today.

    Its team is chosen among experts free over its mission (`busy` is updated with it), so
    that every confirmation the demo asks for is one the application accepts.
    """
    organisation = ORGANISATIONS[scenario.org]
    offsets = _day_offsets(scenario, rng)
    last = max((offsets[trigger] for trigger in scenario.path), default=0)
    filed_on = today - timedelta(days=max(scenario.filed, last + 1))
    if scenario.period_from_today is not None:
        _move_period(offsets, (today - filed_on).days + scenario.period_from_today)

    def on(name: str) -> date:
        return filed_on + timedelta(days=offsets[name])

    participants_range = PARTICIPANTS[scenario.assistance]
    participants = rng.randint(*participants_range) if participants_range else None
    plan = Plan(
        scenario,
        _moment(filed_on, rng),
        {
            "title": scenario.title,
            "field": scenario.field,
            "country": organisation.country,
            "assistance_type": scenario.assistance,
            "instrument": scenario.instrument,
            "context": scenario.context,
            "objectives": scenario.objectives,
            "expected_results": EXPECTED_RESULTS[scenario.assistance],
            "period_start": on("period_start").isoformat(),
            "period_end": on("period_end").isoformat(),
            "working_languages": list(organisation.languages),
            "participants_expected": participants or "",
        },
    )

    lead = scenario.lead
    team: list[str] = []
    if set(TEAM_STEPS) & set(scenario.path):
        start, end = on("planned_start"), on("planned_end")
        candidates = [key for key in _experts_for(scenario.field) if _free(key, start, end, busy)]
        if lead is None or not _free(lead, start, end, busy):
            lead = candidates[0] if lead is not None and candidates else rng.choice(candidates or list(EXPERTS))
        team = [lead, *(key for key in scenario.team if _free(key, start, end, busy) and key != lead)]
        others = [key for key in candidates if key not in team]
        if not scenario.team and others and rng.random() < 0.4:
            team.append(rng.choice(others))
        if "proposal" not in scenario.path:  # confirmed: they are committed over the mission
            for key in team:
                busy.setdefault(key, []).append((start, end))
    mission_format = scenario.mission_format or MISSION_FORMAT_OF[scenario.assistance]
    place = scenario.place or _place(mission_format, organisation.city)

    for trigger in scenario.path:
        fixed = trigger in FIXED_GAPS
        at = datetime.combine(on(trigger), time(11, 0), tzinfo=UTC) if fixed else _moment(on(trigger), rng)
        context = {
            "request": plan.request,
            "at": at,
            "rng": rng,
            "scenario": scenario,
            "lead": lead,
            "team": team,
            "on": on,
            "place": place,
            "mission_format": mission_format,
            "participants": participants,
        }
        if trigger in TEAM_STEPS:
            plan.steps.extend(_team_steps(answered=trigger != "proposal", **context))
        if trigger in STEP_BUILDERS:
            actor, data = STEP_BUILDERS[trigger](**context)
            plan.steps.append(PlannedStep(trigger, actor, data, at))
    last = plan.steps[-1].at if plan.steps else plan.filed_at
    for position, (trigger, who, text) in enumerate(scenario.talk, start=1):
        people: dict[str, Actor] = {"partner": ("partner", scenario.org), "manager": _manager(rng)}
        if lead:
            people["lead"] = ("expert", lead)
        plan.steps.append(PlannedStep(trigger, people[who], {"body": text}, last + timedelta(minutes=20 * position)))
    if scenario.feedback and "close" in scenario.path:
        plan.steps.extend(_feedback_steps(rng, scenario, team, last))
    return plan


def _feedback_steps(rng: random.Random, scenario: Scenario, team: list[str], last: datetime) -> list[PlannedStep]:
    """The partner's questionnaire a few hours after closure, and a rating of each expert of the team."""
    partner: Actor = ("partner", scenario.org)
    scores = {f"score_{item}": str(rng.choice((3, 4, 4, 5, 5))) for item in FEEDBACK_ITEMS.codes}
    steps = [
        PlannedStep(
            "give_feedback", partner, {**scores, "comments": rng.choice(FEEDBACK_COMMENTS)}, last + timedelta(hours=3)
        )
    ]
    for position, key in enumerate(team, start=1):
        data = {"expert": key, "score": str(rng.choice((4, 5, 5))), "comment": rng.choice(RATING_COMMENTS)}
        steps.append(PlannedStep("rate_expert", partner, data, last + timedelta(hours=3, minutes=10 * position)))
    return steps


def _move_period(offsets: dict[str, int], start: int) -> None:
    """Set the desired period (and a planned mission within it) to start `start` days after filing."""
    length = offsets["period_end"] - offsets["period_start"]
    offsets["period_start"], offsets["period_end"] = start, start + max(length, 20)
    if "planned_start" in offsets:
        duration = offsets["planned_end"] - offsets["planned_start"]
        offsets["planned_start"] = start + 2
        offsets["planned_end"] = start + 2 + duration


def _team_steps(*, rng, scenario, lead, team, at, on, place, mission_format, answered: bool, **_) -> list[PlannedStep]:
    """Before the team is mobilised: the mission planned, the team proposed, each member's yes, confirmed.

    Unless `answered`: then only those of `scenario.declines` have answered (no).
    """
    planner: Actor = ("expert", lead) if scenario.lead and rng.random() < 0.7 else _manager(rng)
    steps = [
        PlannedStep(
            "plan_mission",
            planner,
            {
                "mission_format": mission_format,
                "place": place,
                "planned_start": on("planned_start").isoformat(),
                "planned_end": on("planned_end").isoformat(),
            },
            at,
        ),
        PlannedStep("propose_experts", planner, {"experts": list(team), "note": ""}, at),
    ]
    if answered:
        steps += [
            PlannedStep("accept_proposal", ("expert", key), {"no_conflict": True, "declared_interests": ""}, at)
            for key in team
        ]
        steps += [PlannedStep("confirm_expert", planner, {"expert": key}, at) for key in team]
    else:
        reason = "I am already committed to a museum project in those weeks; sorry."
        steps += [PlannedStep("decline_proposal", ("expert", key), {"reason": reason}, at) for key in scenario.declines]
    # A few minutes apart, in order, just before the mobilisation itself.
    for position, step in enumerate(steps):
        step.at = at - timedelta(minutes=5 * (len(steps) - position))
    return steps


def _place(mission_format: str, city: str) -> str:
    return {
        "on_site": city,
        "in_france": "Paris",
        "remote": "Remote (video meetings)",
        "hybrid": f"{city} and remote",
    }[mission_format]


def _manager(rng: random.Random) -> Actor:
    return ("manager", rng.choice(list(MANAGERS)))


def _assess(*, rng, scenario, lead, **_) -> tuple[Actor, dict]:
    if scenario.lead and rng.random() < 0.5:
        actor: Actor = ("expert", lead)  # the expert who takes the case on assesses it
    elif rng.random() < 0.35:
        actor = _manager(rng)
    else:
        actor = ("expert", rng.choice(_experts_for(scenario.field)))
    note = rng.choice(ELIGIBILITY_NOTES).format(directorate=DIRECTORATE_OF[scenario.field])
    checklist = {f"check_{code}": "yes" for code in ASSESSMENT_CRITERIA.codes}
    checklist["check_funding"] = rng.choice(("yes", "unknown"))
    return actor, {
        **checklist,
        "eligibility_notes": note,
        "priority": scenario.priority,
        "field": scenario.field,
        "lead_expert": lead if scenario.lead else "",
    }


def _decline(*, rng, scenario, **_) -> tuple[Actor, dict]:
    return _manager(rng), {"decline_reason": scenario.code, "reason": scenario.reason}


def _redirect(*, rng, scenario, **_) -> tuple[Actor, dict]:
    return _manager(rng), {
        "destination": scenario.code,
        "destination_detail": scenario.detail,
        "reason": scenario.reason,
    }


def _ask_partner(*, rng, scenario, at, **_) -> tuple[Actor, dict]:
    actor: Actor = ("expert", rng.choice(_experts_for(scenario.field))) if rng.random() < 0.7 else _manager(rng)
    due = at.date() + timedelta(days=scenario.due_days)
    return actor, {"question": scenario.question, "due_on": due.isoformat()}


def _answer(*, scenario, **_) -> tuple[Actor, dict]:
    return ("partner", scenario.org), {"answer": scenario.answer}


def _hold(*, rng, scenario, **_) -> tuple[Actor, dict]:
    return _manager(rng), {"reason": scenario.hold_reason}


def _resume(*, rng, **_) -> tuple[Actor, dict]:
    return _manager(rng), {"note": "Confirmed: we go on with the request."}


def _edit(*, scenario, request, **_) -> tuple[Actor, dict]:
    return ("partner", scenario.org), {**request, **dict(scenario.edits)}


def _withdraw(*, scenario, **_) -> tuple[Actor, dict]:
    return ("partner", scenario.org), {"reason": scenario.reason}


def _mobilise(*, rng, scenario, lead, **_) -> tuple[Actor, dict]:
    actor: Actor = ("expert", lead) if scenario.lead and rng.random() < 0.7 else _manager(rng)
    return actor, {"lead_expert": lead}


def _deliver(*, rng, scenario, team, on, place, participants, **_) -> tuple[Actor, dict]:
    reached = max(1, participants + rng.randint(-3, 3)) if participants else rng.randint(3, 8)
    days = (on("actual_end") - on("actual_start")).days + 1
    report = REPORTS[scenario.assistance].format(days=days, place=place, participants=reached)
    return ("expert", rng.choice(team)), {
        "actual_start": on("actual_start").isoformat(),
        "actual_end": on("actual_end").isoformat(),
        "report": report,
        "participants_reached": reached,
    }


def _close(*, rng, scenario, lead, **_) -> tuple[Actor, dict]:
    actor: Actor = ("expert", lead) if rng.random() < 0.6 else _manager(rng)
    return actor, {"closing_summary": rng.choice(CLOSING_SUMMARIES), "follow_up": scenario.follow_up}


def _hand_over_lead(*, lead, team, **_) -> tuple[Actor, dict]:
    """The first manager hands the lead to the next member of the team (see FIXED_GAPS: no random draw)."""
    return ("manager", next(iter(MANAGERS))), {"lead_expert": next(key for key in team if key != lead)}


STEP_BUILDERS: dict[str, Callable[..., tuple[Actor, dict]]] = {
    "assess": _assess,
    "decline": _decline,
    "redirect": _redirect,
    "ask_partner": _ask_partner,
    "answer": _answer,
    "hold": _hold,
    "resume": _resume,
    "edit": _edit,
    "withdraw": _withdraw,
    "mobilise": _mobilise,
    "deliver": _deliver,
    "close": _close,
    "hand_over_lead": _hand_over_lead,
}


def _rng() -> random.Random:
    return random.Random(SEED)  # noqa: S311 (reproducible demo data, not secrets)  # nosec B311


def plan_all(today: date) -> list[Plan]:
    """Every request's plan, in filing order (so that references follow the dates)."""
    rng = _rng()
    busy = _busy_at_start(today)
    plans = [plan_request(scenario, rng, today, busy) for scenario in SCENARIOS]
    return sorted(plans, key=lambda plan: plan.filed_at)


# ---------------------------------------------------------------------------
# Seeding: accounts, then each request through the services
# ---------------------------------------------------------------------------


class DemoDataError(RuntimeError):
    """A service refused a demo step: the demo tables disagree with the application's rules."""


@dataclass
class People:
    """The demo accounts, by the keys the tables use."""

    organisations: dict[str, Organisation] = field(default_factory=dict)
    partners: dict[str, User] = field(default_factory=dict)  # by organisation key
    experts: dict[str, User] = field(default_factory=dict)
    managers: dict[str, User] = field(default_factory=dict)

    def actor(self, ref: Actor) -> User:
        kind, key = ref
        return {"partner": self.partners, "expert": self.experts, "manager": self.managers}[kind][key]

    def with_ids(self, data: dict[str, Any]) -> dict[str, Any]:
        """Step data with expert keys replaced by user ids."""
        resolved = dict(data)
        for name in ("lead_expert", "expert"):
            if resolved.get(name):
                resolved[name] = self.experts[resolved[name]].id
        if "experts" in resolved:
            resolved["experts"] = [self.experts[key].id for key in resolved["experts"]]
        return resolved


def seed_demo() -> bool:
    """Load whatever part of the demo data is missing; True if anything was created.

    Like every service it does not commit: the command does, once, at the end.
    """
    people, created = _ensure_people()
    existing = _existing_requests(people)
    for plan in plan_all(utcnow().date()):
        created |= _carry_out(plan, people, existing)
    return created


def _ensure_people() -> tuple[People, bool]:
    """Organisations, partners, experts (with profiles) and managers, in one transaction."""
    people = People()
    since = _moment(utcnow().date() - timedelta(days=HISTORY_DAYS), _rng())
    created: list[Organisation | User] = []
    profiles_added = False
    for key, spec in ORGANISATIONS.items():
        organisation = get_or_create_organisation(spec.name, spec.country, spec.kind)
        if sa.inspect(organisation).pending:
            created.append(organisation)
        people.organisations[key] = organisation
        email, name = spec.partner
        people.partners[key] = _account(Role.PARTNER, email, name, created, organisation=spec)
    today = utcnow().date()
    for key, spec in EXPERTS.items():
        expert = _account(Role.EXPERT, spec.email, spec.name, created)
        if expert.profile is None:
            new_profile(expert, spec.profile_values())
            expert.profile.unavailability = [
                Unavailability(
                    starts_on=today + timedelta(days=first), ends_on=today + timedelta(days=last), reason=reason
                )
                for first, last, reason in spec.away
            ]
            profiles_added = True
        people.experts[key] = expert
    for key, (email, name) in MANAGERS.items():
        people.managers[key] = _account(Role.MANAGER, email, name, created)
    for record in created:
        record.created_at = since  # they existed before the first demo request
    db.session.flush()
    return people, bool(created) or profiles_added


def _account(role: str, email: str, name: str, created: list, organisation: DemoOrganisation | None = None) -> User:
    user = find_user_by_email(email)
    if user is not None:
        return user
    documented = {account.email: account.password for account in DEMO_ACCOUNTS}
    password = documented.get(email) or secrets.token_urlsafe(18)
    user = create_user(
        email,
        password,
        role,
        name=name,
        organisation=organisation.name if organisation else None,
        country=organisation.country if organisation else None,
    )
    created.append(user)
    return user


def _existing_requests(people: People) -> dict[tuple[int, str], ExpertiseRequest]:
    """The demo organisations' requests, by (organisation id, title); the oldest wins."""
    organisation_ids = [organisation.id for organisation in people.organisations.values()]
    rows = db.session.scalars(
        sa.select(ExpertiseRequest)
        .where(ExpertiseRequest.organisation_id.in_(organisation_ids))
        .order_by(ExpertiseRequest.id.desc())
    )
    return {(case.organisation_id, case.title): case for case in rows}


def _carry_out(plan: Plan, people: People, existing: dict[tuple[int, str], ExpertiseRequest]) -> bool:
    """File the request and perform its steps; False if it is already there (left as it is)."""
    scenario = plan.scenario
    if (people.organisations[scenario.org].id, scenario.title) in existing:
        return False
    author = people.partners[scenario.org]
    request = dict(plan.request)
    if scenario.follows:
        request["follow_up_of"] = db.session.scalar(
            sa.select(ExpertiseRequest.id).where(
                ExpertiseRequest.organisation_id == author.organisation_id, ExpertiseRequest.title == scenario.follows
            )
        )
    with _explained(plan, "submit"):
        case = operations.file_request(author, request, at=plan.filed_at).case
    for step in plan.steps:
        actor = people.actor(step.actor)
        data = people.with_ids(step.data)
        with _explained(plan, step.trigger):
            operations.perform(case, step.trigger, actor, data, case.version_seen_by(actor), at=step.at)
    return True


@contextmanager
def _explained(plan: Plan, trigger: str) -> Iterator[None]:
    """Turn a service's refusal into an error that names the demo request and the step."""
    try:
        yield
    except operations.CaseError as error:
        details = getattr(error, "errors", "")
        raise DemoDataError(f"“{plan.scenario.title}”, {trigger}: {error.message} {details}".strip()) from error


__all__ = ["DEMO_ACCOUNTS", "SCENARIOS", "DemoAccount", "DemoDataError", "plan_all", "seed_demo"]
