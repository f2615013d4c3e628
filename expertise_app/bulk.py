"""Bulk data for benchmarks and for trying the app at scale: `flask --app wsgi seed-bulk N`.

It loads N expertise requests with their whole history, 100,000 in well under a minute, in
batches of lists of dicts, all in one transaction that the command commits: on SQLite a Core
`insert()` executemany per table and batch; on PostgreSQL COPY (SQLAlchemy runs psycopg's
executemany there, one INSERT per row: 100,000 cases took some 90 s that way). The batches are
built in a forked process while the previous one is written (`_built_apart`), their values
already converted for the driver (`_prepare`). It does not go through the per-case services
(cases/operations.py): that would take hours. Instead it writes what they would have
written, so that every page, query and rule of the app accepts the data:

* the roster, made once (later runs reuse it): a few hundred partner organisations on every
  continent, each with a partner; a few hundred experts with profiles (fields, languages,
  countries, regions, unavailable periods); a few managers. All share one password
  (`PASSWORD`), hashed once.
* cases filed over the last ten years, more in recent years, each given a fate (completed,
  declined, redirected, withdrawn, or stalled) and its steps dated one after the other; the
  steps that would fall after today are not taken, so old cases are mostly closed and recent
  ones open in every state, some waiting for the partner's answer or on hold.
* one history event per step, with the data the real action records; the request's columns,
  its team (the Assignment statuses), its mission, the partner's feedback and ratings are
  what replaying those steps gives (the effects of cases/effects.py), with the states and
  outcomes taken from the declaration (cases/workflow.py).
* teams that the app would have confirmed: no expert is confirmed on two missions that go
  ahead over the same days or during an unavailable period, TAIEX teams are public officials,
  and nobody has more missions ahead than their profile allows. A case for which no team can
  be found is declined for "no expertise available", as the ministry would.

References are numbered per year through `ReferenceCounter`, reserved with the same atomic
upsert `file_request` uses, so a request filed afterwards gets the next free number; on
PostgreSQL the id sequences are moved past the ids written here. Nothing is notified and no
email is queued. Data depend on `seed` and on today's date only.

`_case_rows` builds every row of one case; a column added to `expertise_requests` is filled
there (or left to its default).
"""

from __future__ import annotations

import bisect
import gc
import json
import math
import multiprocessing
import operator
import random
import secrets
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from babel import Locale
from babel.languages import get_official_languages

from .auth.models import Role
from .auth.passwords import hash_password
from .cases import search, service_levels, tallies
from .cases.models import FACT_COLUMNS, FACT_STEPS, SEARCHED_FIELDS, RequestFacts, TeamStatus
from .cases.states import State
from .cases.workflow import ACTIONS
from .db_types import UTCDateTime, insert_for_dialect, utcnow
from .demo import (
    CLOSING_SUMMARIES,
    DIRECTORATE_OF,
    ELIGIBILITY_NOTES,
    FEEDBACK_COMMENTS,
    MISSION_FORMAT_OF,
    PARTICIPANTS,
    RATING_COMMENTS,
    REPORTS,
)
from .experts.availability import ACTIVE_MISSION_STATES
from .extensions import db
from .folding import WORD, indexed, sort_key
from .reference import (
    ASSESSMENT_CRITERIA,
    COUNTRIES,
    DECLINE_REASONS,
    FEEDBACK_ITEMS,
    FIELDS,
    FOLLOW_UPS,
    INSTITUTIONS,
    LANGUAGES,
    REDIRECT_DESTINATIONS,
    REGIONS,
)

SEED = 2026
YEARS = 10
BATCH = 2500  # cases per batch of inserts
DOMAIN = "bulk.passerelle.example"
PASSWORD = "bulk-passerelle-2026"  # noqa: S105 (published, like the demo's: refused in production)  # nosec B105
GROWTH = 2.0  # the newest cases are filed (1 + GROWTH) times as often as the oldest
MANAGERS = 4


def roster_sizes(cases: int) -> tuple[int, int]:
    """(organisations, experts) for `cases` requests: a few hundred each at 100,000."""
    return min(300, max(30, cases // 300)), min(600, max(40, cases // 160))


# ---------------------------------------------------------------------------
# Vocabularies of the texts: small phrase lists composed per case
# ---------------------------------------------------------------------------

# What a request is about, per field of expertise: (French, English, Arabic) subjects.
SUBJECTS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "HER": (("la médina historique", "les monuments du centre ancien", "le patrimoine bâti de la vieille ville"),
            ("the historic medina", "the monuments of the old town", "the built heritage of the old city"),
            ("المدينة العتيقة", "معالم المدينة القديمة", "التراث المبني في المدينة القديمة")),
    "ARC": (("le site archéologique national", "les réserves de fouilles"),
            ("the national archaeological site", "the excavation stores"),
            ("الموقع الأثري الوطني", "مخازن الحفريات الأثرية")),
    "ICH": (("l'inventaire du patrimoine immatériel", "les savoir-faire artisanaux"),
            ("the intangible heritage inventory", "traditional craft skills"),
            ("جرد التراث غير المادي", "المهارات الحرفية التقليدية")),
    "MUS": (("les réserves du Musée national", "les collections du musée régional", "le parcours du Musée national"),
            ("the National Museum's storage", "the regional museum's collections", "the museum's galleries"),
            ("مخازن المتحف الوطني", "مجموعات متحف الآثار", "قاعات العرض في متحف المدينة")),
    "ARV": (("les archives nationales", "les fonds d'archives historiques"),
            ("the national archives", "the historical archive collections"),
            ("الأرشيف الوطني", "رصيد الأرشيف التاريخي")),
    "ARH": (("le patrimoine architectural urbain", "les maisons traditionnelles"),
            ("urban architectural heritage", "traditional houses"),
            ("التراث المعماري الحضري", "البيوت التقليدية")),
    "PER": (("les salles de spectacle", "le festival national de théâtre"),
            ("the performing arts venues", "the national theatre festival"),
            ("قاعات العروض", "المهرجان الوطني للمسرح")),
    "MSC": (("le conservatoire national de musique", "les archives sonores"),
            ("the national music conservatoire", "the sound archives"),
            ("المعهد الوطني للموسيقى", "الأرشيف الصوتي")),
    "VIS": (("les métiers d'art et le design", "le centre d'art contemporain"),
            ("crafts and design", "the contemporary art centre"),
            ("الحرف الفنية والتصميم", "مركز الفن المعاصر")),
    "BOO": (("la Bibliothèque nationale", "le réseau de lecture publique"),
            ("the National Library", "the public library network"),
            ("المكتبة الوطنية", "شبكة المطالعة العمومية")),
    "CIN": (("la cinémathèque nationale", "le fonds d'aide au cinéma"),
            ("the national film archive", "the film support fund"),
            ("الخزانة السينمائية الوطنية", "صندوق دعم السينما")),
    "CCI": (("les industries culturelles et créatives", "les pôles créatifs"),
            ("the cultural and creative industries", "creative hubs"),
            ("الصناعات الثقافية والإبداعية", "الفضاءات الإبداعية")),
    "DIG": (("la numérisation des collections", "le portail numérique du patrimoine"),
            ("the digitisation of collections", "the heritage digital portal"),
            ("رقمنة المجموعات", "البوابة الرقمية للتراث")),
    "IPR": (("le droit d'auteur et les droits voisins", "la gestion collective des droits"),
            ("copyright and related rights", "collective rights management"),
            ("حقوق المؤلف والحقوق المجاورة", "الإدارة الجماعية للحقوق")),
    "TOU": (("l'accueil des visiteurs sur les sites du patrimoine", "les itinéraires culturels"),
            ("visitor management at heritage sites", "cultural routes"),
            ("استقبال الزوار في المواقع التراثية", "المسارات الثقافية")),
    "EDU": (("l'éducation artistique et culturelle", "les classes du patrimoine"),
            ("arts and cultural education", "heritage classes for schools"),
            ("التربية الفنية والثقافية", "أقسام التراث في المدارس")),
    "TRN": (("la formation des conservateurs de musée", "la formation des restaurateurs"),
            ("the training of museum curators", "the training of conservators"),
            ("تكوين محافظي المتاحف", "تكوين المرممين")),
    "GOV": (("la politique culturelle nationale", "les statistiques culturelles"),
            ("the national cultural policy", "cultural statistics"),
            ("السياسة الثقافية الوطنية", "الإحصاءات الثقافية")),
    "REG": (("la loi sur le patrimoine culturel", "la réglementation des fouilles"),
            ("the cultural heritage law", "the regulation of excavations"),
            ("قانون التراث الثقافي", "تنظيم الحفريات الأثرية")),
}  # fmt: skip
TEXT_LANGUAGES = ("fr", "en", "ar")
_FR, _EN, _AR = range(3)

TITLES = (
    ("Plan de gestion pour", "Diagnostic et recommandations pour", "Appui technique pour",
     "Stratégie de valorisation pour", "Documentation et numérisation pour", "Formation des équipes pour"),
    ("Management plan for", "Assessment and recommendations for", "Technical support for",
     "A development strategy for", "Documentation and digitisation for", "Training the teams of"),
    ("خطة إدارة", "تشخيص وتوصيات حول", "دعم تقني في مجال", "استراتيجية تثمين", "توثيق ورقمنة", "تكوين فرق"),
)  # fmt: skip
SITUATIONS = (
    ("{Subject} : le nombre de visiteurs augmente chaque année, sans plan de gestion adapté.",
     "{Subject} : les moyens et le personnel formé manquent depuis plusieurs années.",
     "Un inventaire récent a montré que l'état de {subject} se dégrade rapidement.",
     "Le ministère a lancé un programme national de sauvegarde du patrimoine qui concerne {subject}.",
     "Les inondations de l'hiver dernier ont gravement endommagé {subject}."),
    ("{Subject}: visitor numbers grow every year, with no management plan.",
     "{Subject}: resources and trained staff have been lacking for several years.",
     "A recent survey showed that the condition of {subject} is deteriorating fast.",
     "The ministry has launched a national heritage programme that covers {subject}.",
     "Last winter's floods caused serious damage to {subject}."),
    ("فيما يخص {subject}، لا توجد خطة إدارة ملائمة رغم تزايد عدد الزوار كل سنة.",
     "فيما يخص {subject}، نعاني منذ سنوات من نقص في الموارد وفي الكفاءات المدربة.",
     "أظهر جرد حديث تدهور حالة {subject} بسرعة.",
     "أطلقت الوزارة برنامجا وطنيا لصون التراث يشمل {subject}.",
     "تسببت فيضانات الشتاء الماضي في أضرار جسيمة في {subject}."),
)  # fmt: skip
NEEDS = (
    ("Nous sollicitons l'expertise du ministère de la Culture pour définir des priorités et former nos équipes.",
     "Les équipes du musée et du patrimoine souhaitent échanger avec des experts français sur les méthodes.",
     "Un appui technique permettrait d'élaborer un plan d'action réaliste et chiffré.",
     "Nous souhaitons nous inspirer de l'expérience française en matière de patrimoine, de musées et d'archives."),
    ("We ask the Ministry of Culture for expertise to set priorities and train our teams.",
     "Our museum and heritage teams wish to discuss methods and standards with French experts.",
     "Technical support would help us draw up a realistic, costed action plan.",
     "We would like to learn from French experience with heritage, museums and archives."),
    ("نطلب خبرة وزارة الثقافة الفرنسية لتحديد الأولويات وتكوين فرقنا.",
     "يرغب فريق متحف التراث في تبادل الخبرات مع خبراء فرنسيين حول المناهج والمعايير.",
     "سيساعدنا الدعم التقني على إعداد خطة عمل واقعية ومفصلة.",
     "نود الاستفادة من التجربة الفرنسية في مجال التراث والمتاحف والأرشيف."),
)  # fmt: skip
WHY_NOW = (
    ("Le projet bénéficie du soutien de l'ambassade de France.",
     "Le calendrier suit la préparation du prochain budget national.",
     "Les résultats seront partagés avec les autres institutions du pays.", ""),
    ("The French embassy supports the project.", "The timetable follows the preparation of the next national budget.",
     "The results will be shared with the other institutions of the country.", ""),
    ("يحظى المشروع بدعم سفارة فرنسا.", "يرتبط الجدول الزمني بإعداد الميزانية الوطنية المقبلة.",
     "ستتم مشاركة النتائج مع المؤسسات الأخرى في البلاد.", ""),
)  # fmt: skip
OBJECTIVES = (
    ("Établir un diagnostic de {subject} ; définir des priorités ; former l'équipe locale.",
     "Élaborer un plan d'action pour {subject} et former une dizaine de professionnels.",
     "Rédiger des recommandations sur {subject} et accompagner leur mise en œuvre."),
    ("Assess {subject}; set priorities; train the local team.",
     "Draw up an action plan for {subject} and train about ten professionals.",
     "Write recommendations on {subject} and support their implementation."),
    ("تشخيص وضعية {subject}، وتحديد الأولويات، وتكوين الفريق المحلي.",
     "إعداد خطة عمل حول {subject} وتكوين عشرة مهنيين تقريبا.",
     "صياغة توصيات حول {subject} ومواكبة تنفيذها."),
)  # fmt: skip
EXPECTED = (
    ("Un rapport de mission avec des recommandations hiérarchisées, discuté avec l'équipe.",
     "Une équipe formée et des supports de formation réutilisables."),
    ("A mission report with prioritised recommendations, discussed with the team.",
     "A trained team and reusable training materials."),
    ("تقرير بعثة يتضمن توصيات مرتبة حسب الأولوية تتم مناقشته مع الفريق.",
     "فريق مكوَّن ومواد تدريبية قابلة لإعادة الاستعمال."),
)  # fmt: skip
ANSWERS = (
    ("Vous trouverez ci-joint la lettre officielle signée et le calendrier demandé.",
     "Le directeur confirme les dates ; la liste des participants suit."),
    ("Please find attached the signed official letter and the timetable you asked for.",
     "The director confirms the dates; the list of participants follows."),
    ("تجدون طيه الرسالة الرسمية الموقعة والجدول الزمني المطلوب.",
     "يؤكد المدير التواريخ، وستصلكم قائمة المشاركين لاحقا."),
)  # fmt: skip
WITHDRAWALS = (
    ("Le financement du projet a été réaffecté ; nous déposerons une nouvelle demande.",
     "Un autre partenaire a proposé de prendre en charge ce projet."),
    ("The project's funding has been reallocated; we will file a new request later.",
     "Another partner has offered to take this project on."),
    ("تمت إعادة تخصيص تمويل المشروع، وسنقدم طلبا جديدا لاحقا.", "عرض شريك آخر التكفل بهذا المشروع."),
)  # fmt: skip
MESSAGES = (
    ("Pourriez-vous nous indiquer qui conduira la mission ?", "Merci pour votre réponse rapide."),
    ("Could you tell us who will lead the mission?", "Thank you for your quick answer."),
    ("هل يمكنكم إعلامنا بمن سيقود البعثة؟", "شكرا على ردكم السريع."),
)  # fmt: skip
STAFF_MESSAGES = (
    "The team will send the programme of the mission two weeks before it starts.",
    "We have received your letter; the assessment is under way.",
)
NOTES = (
    "The embassy supports the request; the cultural attaché will join the first meeting.",
    "Check the budget line with the Delegation before confirming the dates.",
    "Similar request handled three years ago: reuse the earlier report's recommendations.",
)
QUESTIONS = (
    "Please send the official request letter signed by your institution's director.",
    "Could you send the terms of reference and the list of the teams involved?",
    "Which dates suit your team best, and how many participants do you expect?",
)
DECLINE_TEXTS = {
    "out_of_scope": "The request falls outside the ministry's fields of expertise; we suggest another body.",
    "ineligible_requester": "The requesting body is not eligible for the ministry's bilateral cooperation.",
    "duplicate": "This duplicates a project already supported by another partner with your institution.",
    "no_expertise": "We could not find experts available for this request over the period you need.",
    "insufficient_lead_time": "The dates leave too little time to prepare the mission; please file again earlier.",
    "security": "Travel to the place of the mission is not possible at present for security reasons.",
}
REDIRECT_DETAILS = {
    "eu_taiex_twinning": "EU Delegation in the partner country",
    "unesco_icomos_iccrom": "UNESCO regional office",
    "institut_francais": "Institut français in the partner country",
    "expertise_france_afd": "AFD country office",
    "ministry_operator": "Centre des monuments nationaux",
}
REDIRECT_TEXT = "This request is better served by {destination}; we have passed it on and will follow it up."
HOLD_REASONS = (
    "Waiting for the partner's new director to confirm the project.",
    "The budget for the year is not confirmed yet.",
    "The national elections postpone every decision until the new government is in place.",
)
REFORMULATIONS = (
    "One week of training on site rather than three, on the partner's own collections.",
    "La mission porte sur le diagnostic ; le plan d'action fera l'objet d'une seconde demande.",
    "تقتصر البعثة على التشخيص، وتُقدَّم خطة العمل في طلب لاحق.",
)
RESUME_NOTES = ("Confirmed: we go on with the request.", "The budget is confirmed.", "")
DECLINED_PROPOSAL = "I am already committed to another project in those weeks; sorry."

# Weights of the choices, in the order of the vocabularies.
FIELD_WEIGHTS = {"HER": 10, "MUS": 12, "ARC": 7, "ARV": 6, "ICH": 6, "ARH": 6, "TRN": 6, "DIG": 6, "TOU": 5}
INSTRUMENTS = (("bilateral", 55), ("taiex", 12), ("eu_twinning", 8), ("unesco", 7), ("other", 8), ("unknown", 10))
ASSISTANCE = (
    ("expert_mission", 30), ("workshop", 22), ("training", 15), ("study_visit", 10), ("remote_advice", 15),
    ("twinning_component", 8),
)  # fmt: skip
MISSION_DAYS = {  # (shortest, longest): short-term missions, even within a twinning
    "expert_mission": (3, 6),
    "workshop": (2, 3),
    "study_visit": (4, 7),
    "training": (5, 10),
    "remote_advice": (5, 15),
    "twinning_component": (10, 25),
}
# What becomes of a case (its steps after today are not taken): (fate, the stage it ends at, weight).
# A stalled case stops there: on hold, or waiting for an answer long overdue; or its mission never
# delivered, or never closed. The oldest cases of a run take each fate once (`Loader.fate`), so that
# even a small run has every state and every outcome.
FATES = (
    ("completed", "closed", 675),
    ("declined", "submitted", 65),
    ("declined", "assessed", 65),
    ("redirected", "submitted", 42),
    ("redirected", "assessed", 28),
    ("withdrawn", "submitted", 44),
    ("withdrawn", "assessed", 38),
    ("withdrawn", "mobilised", 28),
    ("stalled", "submitted", 4),
    ("stalled", "assessed", 5),
    ("stalled", "mobilised", 2),
    ("stalled", "delivered", 4),
)
TEAM_SIZES = ((1, 55), (2, 35), (3, 10))
CLOSING_TRIGGER = {"declined": "decline", "redirected": "redirect", "withdrawn": "withdraw"}

_ARABIC = "DZ MA TN LY EG MR SD JO LB SY IQ PS SA AE QA KW BH OM YE"
_FRANCOPHONE = "SN CI BJ BF ML NE TG GN CM GA CG CD CF TD MG HT KM DJ BI RW BE CH LU MC CA MU SC VU NC PF"
ARABIC_COUNTRIES = frozenset(_ARABIC.split(" "))
FRANCOPHONE = frozenset(_FRANCOPHONE.split(" "))
# The ministry's usual partners are filed more often: these countries weigh more.
PRIORITY_REGIONS = ("maghreb", "mashreq", "western_africa", "middle_africa", "eastern_partnership", "eu_enlargement")
CONTINENT_WEIGHTS = {"africa": 30, "asia": 25, "europe": 20, "americas": 17, "oceania": 8}

ORGANISATION_NAMES = {  # kind: (French names, English names)
    "ministry": (("Ministère de la Culture", "Ministère du Patrimoine et du Tourisme"),
                 ("Ministry of Culture", "Ministry of Heritage and Tourism")),
    "museum": (("Musée national", "Musée des civilisations", "Musée d'archéologie"),
               ("National Museum", "Museum of Civilisations", "Archaeological Museum")),
    "heritage_agency": (("Institut national du patrimoine", "Agence du patrimoine culturel"),
                        ("National Heritage Institute", "Cultural Heritage Agency")),
    "archive": (("Archives nationales", "Centre des archives historiques"),
                ("National Archives", "Historical Archives Centre")),
    "library": (("Bibliothèque nationale", "Réseau des bibliothèques publiques"),
                ("National Library", "Public Library Network")),
    "university": (("Université des arts", "Institut supérieur du patrimoine"),
                   ("University of the Arts", "Institute of Heritage Studies")),
    "ngo": (("Association pour la sauvegarde du patrimoine", "Fondation pour les arts vivants"),
            ("Heritage Preservation Trust", "Foundation for the Performing Arts")),
    "local_authority": (("Ville capitale — service du patrimoine", "Conseil régional — direction de la culture"),
                        ("Capital City Heritage Department", "Regional Council Culture Directorate")),
    "other": (("Centre culturel national", "Conservatoire national"),
              ("National Cultural Centre", "National Conservatoire")),
}  # fmt: skip
KIND_WEIGHTS = (
    ("ministry", 10), ("museum", 20), ("heritage_agency", 16), ("archive", 9), ("library", 8), ("university", 9),
    ("ngo", 10), ("local_authority", 10), ("other", 8),
)  # fmt: skip

FIRST_NAMES = (
    "Amélie", "Bruno", "Chloé", "David", "Élodie", "Fabien", "Gaëlle", "Hugo", "Inès", "Jérôme", "Khadija", "Léa",
    "Marc", "Nadia", "Olivier", "Pauline", "Quentin", "Rim", "Sébastien", "Thuy", "Valérie", "Walid", "Xavier",
    "Yasmine", "Zoé", "Adrien", "Beatriz", "Carlos", "Dounia", "Émile", "Fatou", "Hélène", "Karim", "Lucie",
    "Mehdi", "Nour", "Paul", "Salma", "Thomas", "Aïcha", "Bernard", "Claire", "Denis", "Farah", "Julien",
)  # fmt: skip
LAST_NAMES = (
    "Aubert", "Barbier", "Chevalier", "Da Silva", "Estève", "Faure", "Gauthier", "Hamdi", "Isnard", "Jacob", "Keita",
    "Lambert", "Mansouri", "Nguyen", "Ortega", "Perrin", "Quesnel", "Renaud", "Sanchez", "Traoré", "Vidal", "Weber",
    "Yilmaz", "Zerbib", "Almeida", "Benoît", "Cissé", "Delmas", "Ferreira", "Garnier", "Haddad", "Khoury", "Leroy",
    "Moreau", "Ndiaye", "Petit", "Rousseau", "Saidi", "Tessier", "Benali",
)  # fmt: skip
DEPARTMENTS = {
    "central_service": ("DGPA — Heritage", "DGPA — Museums", "DGCA — Creation", "DGMIC — Media", "SG — Legal affairs"),
    "operator": ("Musée du Louvre", "Bibliothèque nationale de France", "Centre des monuments nationaux"),
    "regional_directorate": ("DRAC Occitanie", "DRAC Grand Est", "DRAC Provence-Alpes-Côte d'Azur"),
    "national_service": ("LRMH", "C2RMF", "Archives nationales"),
    "independent": ("Independent consultant",),
}
INSTITUTION_WEIGHTS = (
    ("central_service", 30), ("operator", 25), ("regional_directorate", 15), ("national_service", 15),
    ("independent", 15),
)  # fmt: skip
EXTRA_LANGUAGES = ("ar", "es", "pt", "ru", "de", "it", "zh", "en")
FEEDBACK_SCORES = ("3", "4", "4", "5", "5")


def _weighted(pairs) -> tuple[list, list[int]]:
    """The values and cumulative weights of (value, weight) pairs, for `_pick`."""
    pairs = list(pairs)
    values = [value for value, _ in pairs]
    cumulative, total = [], 0
    for _, weight in pairs:
        total += weight
        cumulative.append(total)
    return values, cumulative


_FIELDS = _weighted((code, FIELD_WEIGHTS.get(code, 3)) for code in FIELDS.codes)
_INSTRUMENTS = _weighted(INSTRUMENTS)
_ASSISTANCE = _weighted(ASSISTANCE)
_FATES = _weighted(((fate, stage), weight) for fate, stage, weight in FATES)
_TEAM_SIZES = _weighted(TEAM_SIZES)
_KINDS = _weighted(KIND_WEIGHTS)
_INSTITUTIONS = _weighted(INSTITUTION_WEIGHTS)
_PRIORITIES = _weighted((("normal", 80), ("urgent", 15), ("emergency", 5)))


class Random(random.Random):
    """`random.Random` with `randint` and `choice` drawn from one `random()` each: as reproducible, and
    five times quicker than the library's (which a million draws per 10,000 cases feel)."""

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]


def _pick(rng: random.Random, weighted: tuple[list, list[int]]):
    values, cumulative = weighted
    return values[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])]


# ---------------------------------------------------------------------------
# The roster: organisations, partners, experts, managers
# ---------------------------------------------------------------------------


@dataclass
class Organisation:
    id: int
    partner_id: int
    country: str
    languages: list[str]  # the working languages its requests ask for
    text_weights: tuple[int, int, int]  # how often it writes in French, English, Arabic
    place: str  # where missions on site take place


@dataclass
class Expert:
    id: int
    fields: frozenset[str]
    public_official: bool
    max_missions: int


@dataclass
class Roster:
    organisations: list[Organisation]
    experts: list[Expert]
    managers: list[int]
    experts_by_field: dict[str, list[Expert]] = field(default_factory=dict)
    created: bool = False

    def __post_init__(self) -> None:
        self.experts_by_field = {code: [e for e in self.experts if code in e.fields] for code in FIELDS.codes}


_NAMES = {code: Locale.parse(code).territories for code in TEXT_LANGUAGES}


def _country_name(country: str, language: str = "en") -> str:
    return _NAMES[language].get(country) or COUNTRIES._extra_names.get(country, country)


def _text_weights(country: str) -> tuple[int, int, int]:
    if country in ARABIC_COUNTRIES:
        return (55, 10, 35) if country in {"DZ", "MA", "TN", "MR", "LB"} else (20, 35, 45)
    if country in FRANCOPHONE:
        return 90, 10, 0
    return 15, 85, 0


def _working_languages(country: str) -> list[str]:
    official = [code for code in get_official_languages(country, de_facto=True) if code in LANGUAGES]
    weights = _text_weights(country)
    spoken = ["fr"] if weights[_FR] >= 50 else ["en"]
    if country in ARABIC_COUNTRIES:
        spoken.append("ar")
    spoken += [code for code in official[:1] if code not in spoken]
    return spoken


def _partner_countries() -> tuple[list[str], dict[str, list[tuple[str, int]]]]:
    """Countries partners can be in, by continent, with how often (France's own bodies are not partners)."""
    preferred = set().union(*(REGIONS.countries_of[code] for code in PRIORITY_REGIONS))
    by_continent: dict[str, list[tuple[str, int]]] = {continent: [] for continent in CONTINENT_WEIGHTS}
    for country in COUNTRIES.codes:
        continent = REGIONS.continent(country)
        if continent not in by_continent or country == "FR" or not get_official_languages(country, de_facto=True):
            continue
        by_continent[continent].append((country, 4 if country in preferred else 1))
    return list(CONTINENT_WEIGHTS), by_continent


def _session_token() -> str:
    return secrets.token_urlsafe(32)


def _existing_roster() -> Roster | None:
    """The roster an earlier run made (its accounts are known by their email domain), or None."""
    users = db.metadata.tables["users"]
    organisations = db.metadata.tables["organisations"]
    rows = db.session.execute(
        sa.select(users.c.id, users.c.role, users.c.organisation_id, organisations.c.country)
        .outerjoin(organisations, organisations.c.id == users.c.organisation_id)
        .where(users.c.email.like(f"%@{DOMAIN}"))
        .order_by(users.c.id)
    ).all()
    if not rows:
        return None
    profiles = db.metadata.tables["expert_profiles"]
    fields = db.metadata.tables["expert_fields"]
    expert_fields: dict[int, set[str]] = {}
    for user_id, code in db.session.execute(sa.select(fields.c.user_id, fields.c.field)):
        expert_fields.setdefault(user_id, set()).add(code)
    experts = [
        Expert(user_id, frozenset(expert_fields.get(user_id, ())), official, limit)
        for user_id, official, limit in db.session.execute(
            sa.select(profiles.c.user_id, profiles.c.public_official, profiles.c.max_concurrent_missions)
            .join(users, users.c.id == profiles.c.user_id)
            .where(users.c.email.like(f"%@{DOMAIN}"), users.c.active, profiles.c.active)
            .order_by(profiles.c.user_id)
        )
    ]
    organisations_seen = [
        Organisation(
            organisation_id,
            user_id,
            country,
            _working_languages(country),
            _text_weights(country),
            _country_name(country),
        )
        for user_id, role, organisation_id, country in rows
        if role == Role.PARTNER
    ]
    managers = [user_id for user_id, role, _org, _country in rows if role == Role.MANAGER]
    return Roster(organisations_seen, experts, managers)


def _next_id(table: sa.Table) -> int:
    return (db.session.scalar(sa.select(sa.func.max(table.c.id))) or 0) + 1


def _make_roster(rng: random.Random, organisation_count: int, expert_count: int, since: datetime) -> Roster:
    """Create the organisations, their partners, the experts with profiles and the managers."""
    tables = db.metadata.tables
    password_hash = hash_password(PASSWORD)
    taken = set(db.session.scalars(sa.select(tables["organisations"].c.name)))
    continents, by_continent = _partner_countries()
    country_choices = {continent: _weighted(pairs) for continent, pairs in by_continent.items()}
    continent_choice = _weighted(CONTINENT_WEIGHTS.items())
    next_organisation, next_user = _next_id(tables["organisations"]), _next_id(tables["users"])

    organisation_rows, user_rows, organisations = [], [], []
    for index in range(organisation_count):
        # Every continent first, then as they weigh.
        continent = continents[index] if index < len(continents) else _pick(rng, continent_choice)
        country = _pick(rng, country_choices[continent])
        weights = _text_weights(country)
        language = _FR if weights[_FR] >= 50 else _EN
        kind = _pick(rng, _KINDS)
        names = ORGANISATION_NAMES[kind][language]
        country_name = _country_name(country, TEXT_LANGUAGES[language])
        name = next(
            (f"{base} — {country_name}" for base in names if f"{base} — {country_name}" not in taken),
            f"{names[0]} — {country_name} ({index + 1})",
        )
        taken.add(name)
        organisation_id, partner_id = next_organisation + index, next_user + len(user_rows)
        organisation_rows.append(
            {"id": organisation_id, "name": name, "country": country, "kind": kind, "created_at": since}
        )
        user_rows.append(
            _user_row(
                partner_id,
                f"partner{index + 1:04d}@{DOMAIN}",
                f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                Role.PARTNER,
                password_hash,
                since,
                organisation_id=organisation_id,
                locale=TEXT_LANGUAGES[rng.choices(range(3), weights)[0]],
            )
        )
        organisations.append(
            Organisation(
                organisation_id, partner_id, country, _working_languages(country), weights, _country_name(country)
            )
        )

    countries = [organisation.country for organisation in organisations]
    profile_rows, field_rows, language_rows, country_rows, region_rows, away_rows, experts = [], [], [], [], [], [], []
    today = since.date() + timedelta(days=YEARS * 365 + 30)
    names = [(first, last) for last in LAST_NAMES for first in FIRST_NAMES]
    rng.shuffle(names)
    for index in range(expert_count):
        user_id = next_user + len(user_rows)
        first, last = names[index % len(names)]
        user_rows.append(
            _user_row(user_id, f"expert{index + 1:04d}@{DOMAIN}", f"{first} {last}", Role.EXPERT, password_hash, since)
        )
        institution = _pick(rng, _INSTITUTIONS)
        primary = {_pick(rng, _FIELDS) for _ in range(rng.choice((1, 1, 2)))}
        secondary = set(rng.sample(FIELDS.codes, rng.randint(0, 3))) - primary
        official = institution != "independent"
        limit = rng.choice((2, 3, 3, 4, 5))
        profile_rows.append(
            {
                "user_id": user_id,
                "institution": institution,
                "department": rng.choice(DEPARTMENTS[institution]),
                "public_official": official,
                "seniority": rng.choice(("junior", "experienced", "experienced", "senior")),
                "biography": f"{INSTITUTIONS.label(institution)}; missions in "
                f"{', '.join(FIELDS.label(code) for code in sorted(primary)).lower()}.",
                "max_concurrent_missions": limit,
                "active": True,
                "updated_at": since,
            }
        )
        field_rows += [{"user_id": user_id, "field": code, "level": "primary"} for code in sorted(primary)]
        field_rows += [{"user_id": user_id, "field": code, "level": "secondary"} for code in sorted(secondary)]
        spoken = {"fr": "native", "en": rng.choice(("fluent", "fluent", "working"))}
        for code in rng.sample(EXTRA_LANGUAGES[:-1], rng.choice((0, 1, 1, 2))):
            spoken[code] = rng.choice(("native", "fluent", "working", "basic"))
        language_rows += [{"user_id": user_id, "language": code, "level": level} for code, level in spoken.items()]
        known = sorted(set(rng.sample(countries, min(len(countries), rng.randint(1, 4)))))
        country_rows += [{"user_id": user_id, "country": code} for code in known]
        near = sorted(REGIONS.near(known[0]))
        region_rows += [{"user_id": user_id, "region": code} for code in near[: rng.randint(0, 2)]]
        if rng.random() < 0.3:
            starts = today + timedelta(days=rng.randint(-10, 200))
            away_rows.append(
                {
                    "user_id": user_id,
                    "starts_on": starts,
                    "ends_on": starts + timedelta(days=rng.randint(5, 25)),
                    "reason": rng.choice(("Annual leave", "Another commitment", "")),
                }
            )
        experts.append(Expert(user_id, frozenset(primary | secondary), official, limit))
    managers = []
    for index in range(MANAGERS):
        user_id = next_user + len(user_rows)
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        user_rows.append(_user_row(user_id, f"manager{index + 1}@{DOMAIN}", name, Role.MANAGER, password_hash, since))
        managers.append(user_id)

    _insert("organisations", organisation_rows)
    _insert("users", user_rows)
    for table, rows in (
        ("expert_profiles", profile_rows),
        ("expert_fields", field_rows),
        ("expert_languages", language_rows),
        ("expert_countries", country_rows),
        ("expert_regions", region_rows),
        ("expert_unavailability", away_rows),
    ):
        _insert(table, rows)
    return Roster(organisations, experts, managers, created=True)


def _user_row(user_id, email, name, role, password_hash, since, organisation_id=None, locale=None) -> dict:
    return {
        "id": user_id,
        "email": email,
        "name": name,
        "role": role,
        "organisation_id": organisation_id,
        "locale": locale,
        "password_hash": password_hash,
        "active": True,
        "email_notifications": "none",  # bulk accounts are fictional: never email them
        "session_token": _session_token(),
        "created_at": since,
    }


# ---------------------------------------------------------------------------
# Who is free: the confirmation rules (experts/availability.py), kept in memory
# ---------------------------------------------------------------------------


class Calendar:
    """Per expert, the days they are committed (a byte per day) and their missions ahead."""

    def __init__(self, experts: list[Expert], origin: date, days: int):
        self.origin = origin
        self.days = days
        self.busy = {expert.id: bytearray(days) for expert in experts}
        self.ahead = dict.fromkeys(self.busy, 0)

    def _span(self, start: date, end: date) -> tuple[int, int]:
        first = max(0, (start - self.origin).days)
        return first, max(first, min(self.days, (end - self.origin).days + 1))

    def is_free(self, expert_id: int, start: date, end: date) -> bool:
        first, last = self._span(start, end)
        return self.busy[expert_id].find(1, first, last) == -1

    def book(self, expert_id: int, start: date, end: date) -> None:
        first, last = self._span(start, end)
        self.busy[expert_id][first:last] = b"\x01" * (last - first)

    def load(self) -> None:
        """What the database already commits: missions that go ahead, unavailable periods, missions ahead."""
        tables = db.metadata.tables
        assignments, requests, missions = tables["assignments"], tables["expertise_requests"], tables["missions"]
        confirmed = sa.and_(assignments.c.status == TeamStatus.CONFIRMED, assignments.c.expert_id.in_(list(self.busy)))
        committed = (
            sa.select(
                assignments.c.expert_id,
                sa.func.coalesce(missions.c.actual_start, missions.c.planned_start),
                sa.func.coalesce(missions.c.actual_end, missions.c.planned_end),
            )
            .join(requests, requests.c.id == assignments.c.request_id)
            .join(missions, missions.c.request_id == assignments.c.request_id)
            .where(confirmed, sa.or_(requests.c.outcome.is_(None), requests.c.outcome == "completed"))
        )
        away = tables["expert_unavailability"]
        periods = sa.select(away.c.user_id, away.c.starts_on, away.c.ends_on).where(away.c.user_id.in_(list(self.busy)))
        for expert_id, start, end in [*db.session.execute(committed), *db.session.execute(periods)]:
            self.book(expert_id, start, end)
        ahead = (
            sa.select(assignments.c.expert_id, sa.func.count())
            .join(requests, requests.c.id == assignments.c.request_id)
            .where(confirmed, requests.c.state.in_([str(state) for state in ACTIVE_MISSION_STATES]))
            .group_by(assignments.c.expert_id)
        )
        self.ahead.update(dict(db.session.execute(ahead).tuples().all()))


# ---------------------------------------------------------------------------
# One case: its steps, then its rows
# ---------------------------------------------------------------------------


class Pos:
    """A place on the team (0: the lead), resolved to an expert once the team is chosen."""

    __slots__ = ("n",)

    def __init__(self, n: int):
        self.n = n


@dataclass
class Step:
    trigger: str
    at: datetime
    actor: int | Pos
    data: dict[str, Any]


@dataclass
class CaseRows:
    request: dict[str, Any]
    events: list[dict[str, Any]]
    assignments: list[dict[str, Any]]
    mission: dict[str, Any] | None
    feedback: dict[str, Any] | None
    ratings: list[dict[str, Any]]
    steps: list[dict[str, Any]]  # case_steps: the states left, their working days (service levels)


# What each trigger does to the state, from the declaration: (sources, destination, outcome).
_TRANSITIONS = {
    name: (frozenset(str(source) for source in action.sources), action.dest and str(action.dest), action.outcome)
    for name, action in ACTIONS.items()
}
_CHECKLIST = [(code, f"check_{code}", f"note_{code}") for code in ASSESSMENT_CRITERIA.codes]
_DECLINE_CODES = [code for code in DECLINE_REASONS.codes if code != "no_expertise"]  # that one: `_rows`
_REDIRECT_CODES = REDIRECT_DESTINATIONS.codes
_FOLLOW_UP_CODES = FOLLOW_UPS.codes
_FEEDBACK_CODES = FEEDBACK_ITEMS.codes
_SCORE_FIELDS = [f"score_{code}" for code in _FEEDBACK_CODES]
_POSITION_KEYS = ("lead_expert", "expert", "replacement", "experts")  # the data naming places on the team
# Office hours, every minute from 8:00 to 17:59 UTC.
_OFFICE_HOURS = [time(hour, minute, tzinfo=UTC) for hour in range(8, 18) for minute in range(60)]


class Loader:
    """Builds the cases of one run, in filing order, and remembers what they commit."""

    def __init__(self, rng: random.Random, roster: Roster, calendar: Calendar, horizon: datetime):
        self.rng = rng
        self.roster = roster
        self.calendar = calendar
        self.horizon = horizon  # steps are taken before this moment (today, 00:00 UTC)
        self.last_completed: dict[int, tuple[int, datetime]] = {}  # per organisation: a closed, completed case
        self.showcase = [(fate, stage) for fate, stage, _weight in reversed(FATES)]
        self.stalls = 0
        self._folded: dict[str, str] = {}
        self._title_keys: dict[str, str] = {}  # titles repeat: each one's sort key made once
        # Labels are translated strings: read here, in the app context (batches are built in another process).
        self.redirect_texts = {
            code: REDIRECT_TEXT.format(destination=REDIRECT_DESTINATIONS.label(code))
            for code in REDIRECT_DESTINATIONS.codes
        }
        self.notes = {
            code: [note.format(directorate=DIRECTORATE_OF[code]) for note in ELIGIBILITY_NOTES] for code in FIELDS.codes
        }
        self.service_levels = dict(service_levels.targets())  # configuration, read in the app context too

    # --- time --------------------------------------------------------------------------------

    def later(self, at: datetime, low: int, high: int) -> datetime:
        """A moment in office hours `low` to `high` days after `at`; minutes after it if that is earlier."""
        rng = self.rng
        moment = datetime.combine(at.date() + timedelta(days=rng.randint(low, high)), rng.choice(_OFFICE_HOURS))
        if moment <= at:
            moment = at + timedelta(minutes=rng.randint(5, 90))
        return moment

    def fate(self) -> tuple[str, str]:
        """What becomes of the next case: each fate once first, then as they weigh."""
        return self.showcase.pop() if self.showcase else _pick(self.rng, _FATES)

    def soon(self, at: datetime) -> datetime:
        return at + timedelta(minutes=self.rng.randint(3, 40))

    # --- texts --------------------------------------------------------------------------------

    def _texts(self, field_code: str, language: int, country: str) -> tuple[str, str, str, str]:
        rng = self.rng
        subject = rng.choice(SUBJECTS[field_code][language])
        title = f"{rng.choice(TITLES[language])} {subject}"
        if rng.random() < 0.3:
            title += f" ({_country_name(country, TEXT_LANGUAGES[language])})"
        capitalised = subject[0].upper() + subject[1:]
        parts = [
            rng.choice(SITUATIONS[language]).format(subject=subject, Subject=capitalised),
            rng.choice(NEEDS[language]),
            rng.choice(WHY_NOW[language]),
        ]
        context = " ".join(part for part in parts if part)
        if context not in self._folded:
            # Words never run across a space: the folded text of sentences joined by spaces is
            # theirs joined by spaces. So each sentence is folded once, not each context.
            self._folded[context] = " ".join(folded for folded in map(self._fold, parts) if folded)
        objectives = rng.choice(OBJECTIVES[language]).format(subject=subject)
        return title[:150], context, objectives, rng.choice(EXPECTED[language])

    def _fold(self, text: str) -> str:
        folded = self._folded.get(text)
        if folded is None:
            folded = self._folded[text] = indexed(text)
        return folded

    def _title_key(self, title: str) -> str:
        key = self._title_keys.get(title)
        if key is None:
            key = self._title_keys[title] = sort_key(title)
        return key

    def _search_text(self, request: dict[str, Any]) -> str:
        """`searched_text` of the request (cases/models.py), each repeated text folded once."""
        parts = []
        for name in SEARCHED_FIELDS:
            value = request[name]
            if name == "reference":  # never twice the same, and plain ASCII: lower case, split on non-letters
                parts.append(" ".join(WORD.findall(value.lower())) if value.isascii() else indexed(value))
            else:
                parts.append(self._fold(value))
        return " ".join(part for part in parts if part)


def _acceptance(rng) -> dict:
    """How an assessment accepts the request, with what it reformulates when it does: one draw, as
    before reformulations were written (the cases drawn after it stay the same)."""
    draw = rng.random()
    if draw < 0.8:
        return {"acceptance": "as_filed", "reformulation": None}
    return {"acceptance": "reformulated", "reformulation": REFORMULATIONS[int((draw - 0.8) * 5 * len(REFORMULATIONS))]}


def _staff(loader: Loader, lead: bool = True) -> int | Pos:
    """The lead (when there is one) or a manager."""
    rng = loader.rng
    return Pos(0) if lead and rng.random() < 0.6 else rng.choice(loader.roster.managers)


def _case_rows(loader: Loader, case_id: int, reference: str, filed_at: datetime) -> CaseRows:
    """Every row of one case: the request, its events, team, mission, feedback and ratings.

    First its steps, dated one after the other from `filed_at` along its fate; those from
    the horizon (today) on are not taken. Then its team is chosen for the steps taken, and
    the steps are replayed into the rows, as the actions' effects would write them.
    """
    rng, roster = loader.rng, loader.roster
    organisation = rng.choice(roster.organisations)
    partner = organisation.partner_id
    language = rng.choices(range(3), organisation.text_weights)[0]
    field_code = _pick(rng, _FIELDS)
    instrument = _pick(rng, _INSTRUMENTS)
    assistance = "twinning_component" if instrument == "eu_twinning" and rng.random() < 0.7 else _pick(rng, _ASSISTANCE)
    priority = _pick(rng, _PRIORITIES)
    urgent = priority != "normal"
    fate, stage = loader.fate()
    title, context, objectives, expected = loader._texts(field_code, language, organisation.country)
    period_start = filed_at.date() + timedelta(days=rng.randint(10, 25) if urgent else rng.randint(45, 100))
    period_end = period_start + timedelta(days=rng.randint(30, 150))
    participants_range = PARTICIPANTS[assistance]
    participants = rng.randint(*participants_range) if participants_range else None
    languages = organisation.languages if rng.random() < 0.8 else organisation.languages[:1]
    follow_up_of = None
    earlier = loader.last_completed.get(organisation.id)
    if earlier is not None and earlier[1] < filed_at and rng.random() < 0.1:
        follow_up_of = earlier[0]

    filing = {
        "title": title,
        "field": field_code,
        "country": organisation.country,
        "assistance_type": assistance,
        "instrument": instrument,
        "context": context,
        "objectives": objectives,
        "expected_results": expected,
        "period_start": period_start,
        "period_end": period_end,
        "working_languages": list(languages),
        "participants_expected": participants,
    }
    history = {key: value.isoformat() if isinstance(value, date) else value for key, value in filing.items()}
    history["follow_up_of"] = follow_up_of
    steps = [Step("submit", filed_at, partner, history)]
    at = filed_at

    def add(trigger: str, when: datetime, actor: int | Pos, data: dict[str, Any]) -> datetime:
        steps.append(Step(trigger, when, actor, data))
        return when

    def manager() -> int:
        return rng.choice(roster.managers)

    def question(at: datetime, asker: int | Pos, overdue: bool = False) -> datetime:
        at = add("ask_partner", loader.later(at, 1, 4), asker, {"question": rng.choice(QUESTIONS), "due_on": None})
        steps[-1].data["due_on"] = (at.date() + timedelta(days=rng.randint(14, 21))).isoformat()
        if overdue:
            return at
        if rng.random() < 0.1:
            return add("cancel_question", loader.later(at, 2, 10), asker, {"reason": "The letter came by post."})
        return add("answer", loader.later(at, 2, 12), partner, {"answer": rng.choice(ANSWERS[language])})

    def stall(at: datetime, asker: int | Pos) -> None:
        """The case stops: put on hold, or waiting for an answer that never comes (in turn)."""
        loader.stalls += 1
        if loader.stalls % 2:
            add("hold", loader.later(at, 3, 10), manager(), {"reason": rng.choice(HOLD_REASONS)})
        else:
            question(at, asker, overdue=True)

    def any_staff() -> int:
        return manager() if rng.random() < 0.3 else rng.choice(roster.experts).id

    def closing(trigger: str, at: datetime, low: int = 5, high: int = 25, code: str | None = None) -> datetime:
        when = loader.later(at, low, high)
        if trigger == "decline":
            code = code or rng.choice(_DECLINE_CODES)
            return add("decline", when, manager(), {"decline_reason": code, "reason": DECLINE_TEXTS[code]})
        if trigger == "redirect":
            code = rng.choice(_REDIRECT_CODES)
            text = loader.redirect_texts[code]
            return add(
                "redirect",
                when,
                manager(),
                {"destination": code, "destination_detail": REDIRECT_DETAILS[code], "reason": text},
            )
        actor = partner if rng.random() < 0.85 else manager()
        return add("withdraw", when, actor, {"reason": rng.choice(WITHDRAWALS[language])})

    lead_named = rng.random() < 0.7
    # --- submitted ---
    if rng.random() < 0.04:
        if participants is not None:
            changes = {"participants_expected": {"from": participants, "to": participants + rng.randint(2, 10)}}
        else:
            changes = {"period_end": {"from": period_end.isoformat(), "to": (period_end + timedelta(30)).isoformat()}}
        at = add("edit", loader.later(at, 1, 3), partner, {"changes": changes})
    if rng.random() < 0.12:
        at = question(at, any_staff())
    if fate == "stalled" and stage == "submitted":
        stall(at, any_staff())
        return _rows(loader, case_id, reference, organisation, filing, steps, follow_up_of)
    if stage == "submitted":
        closing(CLOSING_TRIGGER[fate], at, 6, 30)
        return _rows(loader, case_id, reference, organisation, filing, steps, follow_up_of)
    # --- assessed ---
    checks = {}
    for _code, check, note in _CHECKLIST:
        checks[check] = "yes" if rng.random() < 0.9 else rng.choice(("unknown", "no"))
        checks[note] = None
    draw = rng.random()
    assessor: int | Pos = Pos(0) if lead_named and draw < 0.4 else any_staff()
    gaps = (1, 3) if urgent else (4, 18)
    at = add(
        "assess",
        loader.later(at, *gaps),
        assessor,
        {
            **checks,
            **_acceptance(rng),
            "field": field_code,
            "priority": priority,
            "lead_expert": Pos(0) if lead_named else None,
            "eligibility_notes": rng.choice(loader.notes[field_code]),
        },
    )
    if fate == "stalled" and stage == "assessed":
        stall(at, _staff(loader, lead_named))
        return _rows(loader, case_id, reference, organisation, filing, steps, follow_up_of)
    if rng.random() < 0.05:
        at = add("hold", loader.later(at, 3, 10), manager(), {"reason": rng.choice(HOLD_REASONS)})
        at = add("resume", loader.later(at, 5, 40), manager(), {"note": rng.choice(RESUME_NOTES)})
    if rng.random() < 0.06:
        at = question(at, _staff(loader, lead_named))
    if rng.random() < 0.1:
        writer = partner if rng.random() < 0.6 else manager()
        body = rng.choice(MESSAGES[language]) if writer == partner else rng.choice(STAFF_MESSAGES)
        at = add("post_message", loader.later(at, 0, 3), writer, {"body": body})
    if rng.random() < 0.08:
        at = add("post_note", loader.later(at, 0, 2), manager(), {"body": rng.choice(NOTES)})
    if stage == "assessed":
        closing(CLOSING_TRIGGER[fate], at)
        return _rows(loader, case_id, reference, organisation, filing, steps, follow_up_of)
    # --- the team: the lead, the mission planned, experts proposed, accepting, confirmed ---
    before_team = len(steps)
    if not lead_named:
        if rng.random() < 0.5:
            at = add("take", loader.later(at, 1, 5), Pos(0), {})
        else:
            at = add("assign_lead", loader.later(at, 1, 5), manager(), {"lead_expert": Pos(0)})
    planner = _staff(loader)
    duration = rng.randint(*MISSION_DAYS[assistance])
    mission_format = (
        MISSION_FORMAT_OF[assistance] if rng.random() < 0.85 else rng.choice(list(MISSION_FORMAT_OF.values()))
    )
    place = {
        "on_site": organisation.place,
        "in_france": rng.choice(("Paris", "Paris and Marseille", "Lyon", "Paris and Liévin")),
        "remote": "Remote (video meetings)",
        "hybrid": f"{organisation.place} and remote",
    }[mission_format]
    at = loader.later(at, 3, 12)
    notice = 3 if urgent else 14
    # The mobilisation comes some 5 to 20 days after the plan: the mission starts after it.
    planned_start = max(period_start, at.date() + timedelta(days=20 + notice)) + timedelta(days=rng.randint(0, 10))
    planned_end = planned_start + timedelta(days=duration - 1)
    plan = {
        "mission_format": mission_format,
        "place": place,
        "planned_start": planned_start.isoformat(),
        "planned_end": planned_end.isoformat(),
    }
    at = add("plan_mission", at, planner, dict(plan))
    size = _pick(rng, _TEAM_SIZES)
    declining = rng.randint(1, size - 1) if size > 1 and rng.random() < 0.25 else None
    at = add("propose_experts", loader.soon(at), planner, {"experts": [Pos(n) for n in range(size)], "note": ""})
    accepted = []
    for n in range(size):
        if n == declining:
            at = add("decline_proposal", loader.later(at, 0, 3), Pos(n), {"reason": DECLINED_PROPOSAL})
        else:
            at = add("accept_proposal", loader.later(at, 0, 3), Pos(n), {"no_conflict": True, "declared_interests": ""})
            accepted.append(n)
    if declining is not None:
        at = add(
            "replace_expert", loader.later(at, 0, 2), planner, {"expert": Pos(declining), "replacement": Pos(size)}
        )
        at = add("accept_proposal", loader.later(at, 0, 3), Pos(size), {"no_conflict": True, "declared_interests": ""})
        accepted.append(size)
    for n in accepted:
        at = add("confirm_expert", loader.soon(at), planner, {"expert": Pos(n)})
    at = add("mobilise", loader.later(at, 1, 5), _staff(loader), {"lead_expert": Pos(0), **plan})
    if fate == "stalled" and stage == "mobilised":  # the mission was put off, and never delivered
        return _rows(loader, case_id, reference, organisation, filing, steps, follow_up_of, before_team)
    if stage == "mobilised":
        when = min(loader.later(at, 3, 10), datetime.combine(planned_start, time(7), tzinfo=UTC))
        if when <= at:
            when = loader.soon(at)
        add("withdraw", when, partner, {"reason": rng.choice(WITHDRAWALS[language])})
        return _rows(loader, case_id, reference, organisation, filing, steps, follow_up_of, before_team)
    # --- delivered ---
    actual_start = planned_start + timedelta(days=rng.randint(0, 2))
    actual_end = max(actual_start, actual_start + timedelta(days=duration - 1 + rng.choice((-1, 0, 0, 1))))
    reached = max(1, participants + rng.randint(-3, 3)) if participants else rng.randint(3, 8)
    days = (actual_end - actual_start).days + 1
    deliverer: int | Pos = Pos(rng.choice(accepted)) if rng.random() < 0.8 else manager()
    at = add(
        "deliver",
        loader.later(max(at, datetime.combine(actual_end, time(18), tzinfo=UTC)), 3, 14),
        deliverer,
        {
            "actual_start": actual_start.isoformat(),
            "actual_end": actual_end.isoformat(),
            "report": REPORTS[assistance].format(days=days, place=place, participants=reached),
            "participants_reached": reached,
        },
    )
    feedback = rng.random() < 0.65
    feedback_first = feedback and rng.random() < 0.25

    def give_feedback(at: datetime) -> datetime:
        scores = {name: rng.choice(FEEDBACK_SCORES) for name in _SCORE_FIELDS}
        at = add(
            "give_feedback", loader.later(at, 1, 20), partner, {**scores, "comments": rng.choice(FEEDBACK_COMMENTS)}
        )
        if rng.random() < 0.8:
            for n in accepted:
                score = rng.choice(("4", "5", "5", "3"))
                at = add(
                    "rate_expert",
                    loader.soon(at),
                    partner,
                    {"expert": Pos(n), "score": score, "comment": rng.choice(RATING_COMMENTS)},
                )
        return at

    if feedback_first:
        at = give_feedback(at)
    if not (fate == "stalled" and stage == "delivered"):
        follow_up = rng.choice(_FOLLOW_UP_CODES)
        at = add(
            "close",
            loader.later(at, 7, 30),
            _staff(loader),
            {"closing_summary": rng.choice(CLOSING_SUMMARIES), "follow_up": follow_up},
        )
        if feedback and not feedback_first:
            give_feedback(at)
    return _rows(loader, case_id, reference, organisation, filing, steps, follow_up_of, before_team)


def _rows(
    loader: Loader,
    case_id: int,
    reference: str,
    organisation: Organisation,
    filing: dict[str, Any],
    steps: list[Step],
    follow_up_of: int | None,
    before_team: int | None = None,
) -> CaseRows:
    """The steps taken before the horizon, their team chosen, replayed into rows."""
    horizon = loader.horizon
    taken = next((index for index, step in enumerate(steps) if step.at >= horizon), len(steps))
    steps = steps[:taken]
    team = _choose_team(loader, steps, filing)
    if team is None:  # nobody can be confirmed: declined for want of experts, when the ministry gets to it
        steps = steps[:before_team]
        when = loader.later(steps[-1].at, 5, 20)
        if when < horizon:
            code = "no_expertise"
            steps.append(Step("decline", when, loader.rng.choice(loader.roster.managers),
                              {"decline_reason": code, "reason": DECLINE_TEXTS[code]}))  # fmt: skip
        team = _choose_team(loader, steps, filing)
    return _replay(loader, case_id, reference, organisation, filing, steps, team, follow_up_of)


def _positions(steps: list[Step]) -> tuple[int, set[int]]:
    """How many places on the team the steps name, and those confirmed."""
    count, confirmed = 0, set()
    for step in steps:
        if type(step.actor) is Pos:
            count = max(count, step.actor.n + 1)
        data = step.data
        for key in _POSITION_KEYS:
            value = data.get(key)
            if type(value) is Pos:
                count = max(count, value.n + 1)
            elif type(value) is list:
                count = max(count, *(item.n + 1 for item in value if type(item) is Pos), 0)
        if step.trigger == "confirm_expert":
            confirmed.add(data["expert"].n)
    return count, confirmed


def _choose_team(loader: Loader, steps: list[Step], filing: dict[str, Any]) -> list[int] | None:
    """Experts for each place on the team, those confirmed free and allowed; None if none can be found."""
    count, confirmed = _positions(steps)
    if not count:
        return []
    rng, roster, calendar = loader.rng, loader.roster, loader.calendar
    state, outcome = _final_state(steps)
    goes_ahead = outcome in (None, "completed")
    ahead = state in ACTIVE_MISSION_STATES
    taiex = filing["instrument"] == "taiex"
    plan = next((step.data for step in steps if step.trigger == "plan_mission"), None)
    mission = None
    if plan is not None:
        delivered = next((step.data for step in steps if step.trigger == "deliver"), None)
        start = date.fromisoformat(plan["planned_start"])
        end = date.fromisoformat(plan["planned_end"])
        if delivered is not None:
            end = max(end, date.fromisoformat(delivered["actual_end"]))
        mission = (start, end)
    in_field = roster.experts_by_field[filing["field"]]
    everyone = roster.experts
    chosen: list[int] = []
    for n in range(count):
        must_be_free = n in confirmed
        found = None
        for pool in (in_field, everyone):
            if not pool:
                continue
            offset = rng.randint(0, len(pool) - 1)
            for step in range(min(len(pool), 80)):
                expert = pool[(offset + step) % len(pool)]
                if expert.id in chosen or (taiex and not expert.public_official):
                    continue
                if must_be_free:
                    if ahead and calendar.ahead[expert.id] >= expert.max_missions:
                        continue
                    if goes_ahead and mission is not None and not calendar.is_free(expert.id, *mission):
                        continue
                found = expert
                break
            if found is not None:
                break
        if found is None:
            return None
        chosen.append(found.id)
    for n in confirmed:
        if goes_ahead and mission is not None:
            calendar.book(chosen[n], *mission)
        if ahead:
            calendar.ahead[chosen[n]] += 1
    return chosen


def _final_state(steps: list[Step]) -> tuple[str, str | None]:
    state, outcome = str(State.SUBMITTED), None
    for step in steps:
        _sources, dest, step_outcome = _TRANSITIONS.get(step.trigger, (None, None, None))
        if dest:
            state = dest
        if step_outcome is not None:
            outcome = str(step_outcome)
    return state, outcome


def _resolve(value, team: list[int]):
    if type(value) is Pos:
        return team[value.n]
    if type(value) is list:
        return [team[item.n] if type(item) is Pos else item for item in value]
    return value


def _replay(
    loader: Loader,
    case_id: int,
    reference: str,
    organisation: Organisation,
    filing: dict[str, Any],
    steps: list[Step],
    team: list[int],
    follow_up_of: int | None,
) -> CaseRows:
    """The rows the steps leave, as the actions' effects (cases/effects.py) write them."""
    filed_at = steps[0].at
    request: dict[str, Any] = {
        "id": case_id,
        "reference": reference,
        "organisation_id": organisation.id,
        "author_id": organisation.partner_id,
        **filing,
        "state": str(State.SUBMITTED),
        "outcome": None,
        "priority": "normal",
        "lead_expert_id": None,
        "eligibility_notes": None,
        "decision_reason": None,
        "closing_summary": None,
        "follow_up": None,
        "acceptance": None,
        "checklist": None,
        "decline_reason": None,
        "redirect_destination": None,
        "waiting_since": None,
        "question_due_on": None,
        "on_hold_since": None,
        "follow_up_of_id": follow_up_of,
        "continent": REGIONS.continent(filing["country"]),
        "version": len(steps),
        # The entries its partner reads (the submission first), as a migrated request starts (0016).
        "partner_version": 1 + sum(not ACTIONS[step.trigger].internal for step in steps[1:]),
        "created_at": filed_at,
        "submitted_at": filed_at,
        "state_entered_at": filed_at,
        "closed_at": None,
        "updated_at": steps[-1].at,
    }
    members: dict[int, dict[str, Any]] = {}
    mission: dict[str, Any] | None = None
    feedback: dict[str, Any] | None = None
    ratings: list[dict[str, Any]] = []
    events = []
    case_steps: list[dict[str, Any]] = []
    paused = 0
    state = request["state"]
    for step in steps:
        trigger, at = step.trigger, step.at
        stopped_before, entered_before = _clock_stopped_since(request), request["state_entered_at"]
        actor = team[step.actor.n] if type(step.actor) is Pos else step.actor
        data = step.data
        if trigger in _TEAM_TRIGGERS:
            data = dict(data)
            for key in _POSITION_KEYS:
                if key in data:
                    data[key] = _resolve(data[key], team)
        from_state = None
        if trigger != "submit":
            sources, dest, outcome = _TRANSITIONS[trigger]
            if state not in sources:
                raise RuntimeError(f"bulk data: {trigger} from {state} ({reference})")
            from_state = state
            if dest:
                state = request["state"] = dest
                request["state_entered_at"] = at
            if outcome is not None:
                request["outcome"] = str(outcome)
                request["closed_at"] = at
                for place in members.values():
                    place["request_open"] = False
                request["waiting_since"] = request["question_due_on"] = request["on_hold_since"] = None
        events.append(
            {
                "request_id": case_id,
                "actor_id": actor,
                "created_at": at,
                "trigger": trigger,
                "from_state": from_state,
                "to_state": state,
                "data": data,
            }
        )
        if trigger == "assess":
            request["eligibility_notes"] = data["eligibility_notes"]
            request["priority"] = data["priority"]
            request["field"] = data["field"]
            request["acceptance"] = data["acceptance"]
            request["checklist"] = {
                code: {"answer": data[check], "note": data[note] or ""} for code, check, note in _CHECKLIST
            }
            if data["lead_expert"]:
                request["lead_expert_id"] = data["lead_expert"]
        elif trigger == "decline":
            request["decline_reason"] = data["decline_reason"]
            request["decision_reason"] = data["reason"]
        elif trigger == "redirect":
            request["redirect_destination"] = data["destination"]
            request["decision_reason"] = data["reason"]
        elif trigger == "withdraw":
            request["decision_reason"] = data["reason"]
        elif trigger in ("mobilise", "assign_lead"):
            request["lead_expert_id"] = data["lead_expert"]
        elif trigger == "take":
            request["lead_expert_id"] = actor
        elif trigger == "plan_mission":
            mission = {
                "request_id": case_id,
                "format": data["mission_format"],
                "place": data["place"],
                "planned_start": date.fromisoformat(data["planned_start"]),
                "planned_end": date.fromisoformat(data["planned_end"]),
                "actual_start": None,
                "actual_end": None,
                "report": None,
                "participants_reached": None,
            }
        elif trigger == "propose_experts":
            for expert_id in data["experts"]:
                members[expert_id] = _proposal(case_id, expert_id, actor, at)
        elif trigger == "accept_proposal":
            members[actor].update(status=TeamStatus.ACCEPTED, answered_at=at, declared_interests="")
        elif trigger == "decline_proposal":
            members[actor].update(status=TeamStatus.DECLINED, answered_at=at, decline_reason=data["reason"])
        elif trigger == "replace_expert":
            members[data["expert"]]["status"] = TeamStatus.WITHDRAWN
            members[data["replacement"]] = _proposal(case_id, data["replacement"], actor, at)
        elif trigger == "confirm_expert":
            members[data["expert"]].update(status=TeamStatus.CONFIRMED, confirmed_at=at)
        elif trigger == "deliver":
            mission.update(
                actual_start=date.fromisoformat(data["actual_start"]),
                actual_end=date.fromisoformat(data["actual_end"]),
                report=data["report"],
                participants_reached=data["participants_reached"],
            )
        elif trigger == "close":
            request["closing_summary"] = data["closing_summary"]
            request["follow_up"] = data["follow_up"]
        elif trigger == "ask_partner":
            request["waiting_since"] = at
            request["question_due_on"] = date.fromisoformat(data["due_on"])
        elif trigger in ("answer", "cancel_question"):
            request["waiting_since"] = request["question_due_on"] = None
        elif trigger == "hold":
            request["on_hold_since"] = at
        elif trigger == "resume":
            request["on_hold_since"] = None
        elif trigger == "edit":
            for name, change in data["changes"].items():
                value = change["to"]
                request[name] = date.fromisoformat(value) if name.startswith("period_") else value
        elif trigger == "give_feedback":
            feedback = {
                "request_id": case_id,
                "author_id": actor,
                **{code: int(data[name]) for code, name in zip(_FEEDBACK_CODES, _SCORE_FIELDS, strict=True)},
                "comments": data["comments"] or None,
                "created_at": at,
            }
        elif trigger == "rate_expert":
            ratings.append(
                {
                    "request_id": case_id,
                    "expert_id": data["expert"],
                    "author_id": actor,
                    "score": int(data["score"]),
                    "comment": data["comment"] or None,
                    "created_at": at,
                }
            )
        # Service levels, as cases/service_levels.keep writes them after each action.
        paused += service_levels.paused_since(stopped_before, _clock_stopped_since(request), at)
        if from_state is not None and from_state != state:
            worked = service_levels.worked_days(entered_before, at, paused)
            case_steps.append(
                {
                    "request_id": case_id,
                    "state": from_state,
                    "entered_at": entered_before,
                    "left_at": at,
                    "working_days": worked,
                    "paused_days": paused,
                }
            )
            paused = 0
    request["paused_working_days"] = paused
    request["due_on"] = service_levels.due_on(_DueView(request, mission), paused, loader.service_levels)
    request["search_text"] = loader._search_text(request)
    request["title_key"] = loader._title_key(request["title"])
    if request["outcome"] == "completed":
        loader.last_completed[organisation.id] = (case_id, request["closed_at"])
    return CaseRows(request, events, list(members.values()), mission, feedback, ratings, case_steps)


def _clock_stopped_since(request: dict[str, Any]) -> datetime | None:
    pauses = [moment for moment in (request["waiting_since"], request["on_hold_since"]) if moment is not None]
    return min(pauses) if pauses else None


class _DueView:
    """A request's row read as `service_levels.due_on` reads a request."""

    def __init__(self, request: dict[str, Any], mission: dict[str, Any] | None):
        self.state = request["state"]
        self.state_entered_at = request["state_entered_at"]
        self.period_start, self.period_end = request["period_start"], request["period_end"]
        self.mission = _MissionView(mission) if mission else None


class _MissionView:
    def __init__(self, mission: dict[str, Any]):
        self.planned_start, self.planned_end = mission["planned_start"], mission["planned_end"]


_TEAM_TRIGGERS = frozenset(
    {"assess", "assign_lead", "propose_experts", "replace_expert", "confirm_expert", "mobilise", "rate_expert"}
)


def _proposal(case_id: int, expert_id: int, proposed_by: int, at: datetime) -> dict[str, Any]:
    return {
        "request_id": case_id,
        "expert_id": expert_id,
        "status": TeamStatus.PROPOSED,
        "proposed_by_id": proposed_by,
        "created_at": at,
        "answered_at": None,
        "declared_interests": None,
        "decline_reason": None,
        "confirmed_at": None,
        "request_open": True,
    }


# ---------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------


@dataclass
class Counts:
    requests: int = 0
    events: int = 0
    assignments: int = 0
    missions: int = 0
    feedback: int = 0
    ratings: int = 0
    steps: int = 0
    organisations: int = 0
    experts: int = 0
    roster_created: bool = False

    def add(self, other: Counts) -> None:
        for name in ("requests", "events", "assignments", "missions", "feedback", "ratings", "steps"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Prepared:
    """Rows of one table made ready for the driver: what `_write` sends, with no more conversion.

    SQLite: dicts whose values went through the bind processors SQLAlchemy would apply (a
    datetime becomes its text, a dict its JSON), for a Core `insert()` of an untyped table.
    PostgreSQL: tuples for COPY, JSON serialised, the rest as psycopg adapts it.
    Either way a None given to a nullable JSON column is SQL NULL, as the ORM leaves an unset one
    (not JSON `null`), and columns the rows leave out get their Python-side defaults.
    """

    table: str
    columns: list[str]
    rows: list


def _utc_text(value: datetime) -> str:
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


# Quicker ways to the same values as SQLAlchemy's bind processors on SQLite, for a million rows:
# each is used only if it gives what the processor gives on the probe (else the processor is).
_QUICK = (
    (UTCDateTime, _utc_text, datetime(2024, 2, 29, 23, 5, 7, 89, tzinfo=UTC)),
    (sa.Date, date.isoformat, date(2024, 2, 9)),
    (sa.JSON, json.dumps, {"a": [1, "é", None], "b": {"c": True}}),
)


def _converter(dialect: sa.Dialect, column: sa.Column) -> Callable[[Any], Any] | None:
    """What a value of `column` becomes for the driver (None: as it is)."""
    column_type = column.type
    if dialect.name == "postgresql":  # COPY: psycopg adapts all but JSON
        return (dialect._json_serializer or json.dumps) if isinstance(column_type, sa.JSON) else None
    if isinstance(column_type, sa.JSON) and column.nullable:
        column_type = sa.JSON(none_as_null=True)
    # The dialect's own type (SQLite's DATETIME writes its text format), as Core processes it.
    processor = column_type.dialect_impl(dialect).bind_processor(dialect)
    for kind, quick, probe in _QUICK:
        if processor is not None and isinstance(column_type, kind) and quick(probe) == processor(probe):
            return quick
    return processor


def _prepare(dialect: sa.Dialect, table_name: str, rows: list[dict[str, Any]]) -> Prepared:
    table = db.metadata.tables[table_name]
    keys = list(rows[0])
    defaults = [
        (column.name, column.default)
        for column in table.columns
        if column.name not in keys and column.default is not None and column.autoincrement is not True
    ]
    columns = keys + [name for name, _default in defaults]
    converters = [_converter(dialect, table.c[name]) for name in keys]
    converted = [(index, convert) for index, convert in enumerate(converters) if convert]
    values_of = operator.itemgetter(*keys) if len(keys) > 1 else lambda row: (row[keys[0]],)
    prepared = []
    for row in rows:
        values = list(values_of(row))
        for index, convert in converted:
            if values[index] is not None:
                values[index] = convert(values[index])
        for _name, default in defaults:
            values.append(default.arg if default.is_scalar else default.arg(None))
        prepared.append(tuple(values) if dialect.name == "postgresql" else dict(zip(columns, values, strict=True)))
    return Prepared(table_name, columns, prepared)


def _write(prepared: Prepared) -> None:
    """Send prepared rows, in the session's transaction.

    SQLite: one Core `insert()` executemany. PostgreSQL: COPY, five times quicker than psycopg's
    executemany of one INSERT per row, which is what SQLAlchemy runs there without RETURNING.
    """
    if not prepared.rows:
        return
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        quote = connection.dialect.identifier_preparer.quote
        columns = ", ".join(quote(name) for name in prepared.columns)
        cursor = connection.connection.driver_connection.cursor()
        with cursor, cursor.copy(f"COPY {prepared.table} ({columns}) FROM STDIN") as copy:
            for row in prepared.rows:
                copy.write_row(row)
        return
    untyped = sa.table(prepared.table, *(sa.column(name) for name in prepared.columns))
    connection.execute(untyped.insert(), prepared.rows)


def _insert(table_name: str, rows: list[dict[str, Any]]) -> None:
    if rows:
        _write(_prepare(db.session.get_bind().dialect, table_name, rows))


def filing_times(rng: random.Random, count: int, horizon: datetime) -> list[datetime]:
    """`count` moments over the ten years before `horizon`, denser towards it (density 1 + GROWTH·x), sorted."""
    span = (YEARS * 365 - 1) * 86400
    start = horizon - timedelta(seconds=span + 86400)
    scale = 1 + GROWTH / 2
    times = []
    for _ in range(count):
        x = (-1 + math.sqrt(1 + 2 * GROWTH * rng.random() * scale)) / GROWTH
        times.append(start + timedelta(seconds=int(x * span)))
    times.sort()
    return times


def _reserve_references(years: dict[int, int]) -> dict[int, int]:
    """Take `count` numbers of each year's counter at once (the upsert `file_request` uses); the first of each."""
    table = db.metadata.tables["reference_counters"]
    first = {}
    for year, count in sorted(years.items()):
        statement = (
            insert_for_dialect(table)
            .values(year=year, last=count)
            .on_conflict_do_update(index_elements=[table.c.year], set_={"last": table.c.last + count})
            .returning(table.c.last)
        )
        first[year] = db.session.execute(statement).scalar_one() - count + 1
    return first


def _move_sequences() -> None:
    """PostgreSQL: the id sequences of the tables written with explicit ids go on after them."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in ("organisations", "users", "expertise_requests"):
        db.session.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 (our own table names)  # nosec B608
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
        )


_FTS_INSERT = "INSERT INTO {table}(rowid, search_text) VALUES (new.id, new.search_text)"


def _suspend_search_trigger() -> str | None:
    """SQLite: drop the trigger that indexes each new request in the FTS5 table; its SQL, to restore it.

    Indexing the loaded requests in one statement afterwards (`_index_for_search`) is ten times
    faster than the trigger row by row. Only a trigger doing exactly that is suspended (any other
    is left to run), and only inside the load's transaction: a failed load restores it.
    """
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return None
    rows = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'expertise_requests'"
    ).all()
    expected = _FTS_INSERT.format(table=search.FTS_TABLE).lower()
    for name, sql in rows:
        body = " ".join(sql.split()).lower()
        if "after insert on expertise_requests" in body and f"begin {expected}; end" in body:
            connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
            return sql
    return None


def _index_for_search(trigger_sql: str, first_id: int) -> None:
    connection = db.session.connection()
    connection.exec_driver_sql(
        f"INSERT INTO {search.FTS_TABLE}(rowid, search_text) "  # noqa: S608 (our own table)  # nosec B608
        "SELECT id, search_text FROM expertise_requests WHERE id >= ?",
        (first_id,),
    )
    connection.exec_driver_sql(trigger_sql)


@dataclass
class Batch:
    requests: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    assignments: list[dict[str, Any]] = field(default_factory=list)
    missions: list[dict[str, Any]] = field(default_factory=list)
    feedback: list[dict[str, Any]] = field(default_factory=list)
    ratings: list[dict[str, Any]] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)
    facts: list[dict[str, Any]] = field(default_factory=list)

    def add(self, rows: CaseRows) -> None:
        self.requests.append(rows.request)
        self.events += rows.events
        self.assignments += rows.assignments
        if rows.mission is not None:
            self.missions.append(rows.mission)
        if rows.feedback is not None:
            self.feedback.append(rows.feedback)
        self.ratings += rows.ratings
        self.steps += rows.steps
        self.facts.append(_facts_row(rows))

    def prepare(self, dialect: sa.Dialect) -> list[Prepared]:
        """Its rows ready for the driver, table by table in the order of the foreign keys."""
        return [
            _prepare(dialect, table, rows)
            for table, rows in (
                ("expertise_requests", self.requests),
                ("events", self.events),
                ("assignments", self.assignments),
                ("missions", self.missions),
                ("mission_feedback", self.feedback),
                ("expert_ratings", self.ratings),
                ("case_steps", self.steps),
                ("request_facts", self.facts),
            )
            if rows
        ]

    def count(self, counts: Counts) -> None:
        counts.requests += len(self.requests)
        counts.events += len(self.events)
        counts.assignments += len(self.assignments)
        counts.missions += len(self.missions)
        counts.feedback += len(self.feedback)
        counts.ratings += len(self.ratings)
        counts.steps += len(self.steps)
        self.requests = self.events = self.assignments = self.missions = self.feedback = self.ratings = []
        self.steps = []
        self.facts = []


def _facts_row(rows: CaseRows) -> dict[str, Any]:
    """The request's facts for the overview, as the write path keeps them (cases/facts.py)."""
    days = dict.fromkeys((RequestFacts.days_column(str(state)) for state in FACT_STEPS), None)
    days.update({RequestFacts.days_column(step["state"]): step["working_days"] for step in rows.steps})
    return {"request_id": rows.request["id"], **{name: rows.request.get(name) for name in FACT_COLUMNS}, **days}


def _batches(
    loader: Loader, times: list[datetime], numbers: dict[int, int], first_id: int, dialect: sa.Dialect
) -> Iterator[tuple[Counts, list[Prepared]]]:
    """The cases in filing order, BATCH at a time: how many rows of each kind, and the rows prepared.

    The cyclic garbage collector is paused while a batch is built: it would go through the
    hundreds of thousands of new dicts again and again, and they hold no cycles.
    """
    for start in range(0, len(times), BATCH):
        collecting = gc.isenabled()
        gc.disable()
        batch = Batch()
        for index in range(start, min(len(times), start + BATCH)):
            filed_at = times[index]
            number = numbers[filed_at.year]
            numbers[filed_at.year] = number + 1
            batch.add(_case_rows(loader, first_id + index, f"EXP-{filed_at.year}-{number:04d}", filed_at))
        prepared = batch.prepare(dialect)
        batch.count(counts := Counts())
        if collecting:
            gc.enable()
        yield counts, prepared


def _built_apart(batches: Iterator) -> Iterator:
    """`batches`, built (and prepared) in a forked process while this one writes the previous ones.

    Writing mostly waits for the database (PostgreSQL's own process, or SQLite's C code), and
    building is pure Python: on two cores they overlap (threads would not, they share the GIL).
    The child touches no database connection and leaves with `os._exit` (multiprocessing's
    fork start), so the connections it inherited are never closed under the parent. Where
    fork is not available the batches are built here, in turn.
    """
    if "fork" not in multiprocessing.get_all_start_methods():
        yield from batches
        return
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_send_batches, args=(batches, sender), name="seed-bulk-builder", daemon=True)
    child.start()
    sender.close()
    try:
        while True:
            try:
                item = receiver.recv()
            except EOFError:
                raise RuntimeError("the process building the cases ended before it was done") from None
            if item is None:
                return
            if isinstance(item, str):
                raise RuntimeError(f"building the cases failed:\n{item}")
            yield item
    finally:
        receiver.close()
        child.join(timeout=5)
        if child.is_alive():
            child.terminate()


def _send_batches(batches: Iterator, sender) -> None:
    try:
        for batch in batches:
            sender.send(batch)
        sender.send(None)
    except BrokenPipeError:  # the parent stopped reading: it failed, and says why
        pass
    except BaseException:
        sender.send(traceback.format_exc())


def seed_bulk(
    count: int, seed: int = SEED, progress: Callable[[int], None] | None = None, build_apart: bool = True
) -> Counts:
    """Load `count` cases (and the roster, if no earlier run made it), in one transaction. Does not commit.

    `build_apart`: build the rows in a child process (`_built_apart`) while writing; the data are
    the same either way.
    """
    rng = Random(seed)
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        # Rows go into a dozen indexes in no particular order: a page cache of 256 MB (instead of
        # 2 MB) keeps their pages in memory until the commit. It lasts as long as the connection.
        connection.exec_driver_sql("PRAGMA cache_size = -262144")
    today = utcnow().date()
    horizon = datetime.combine(today, time(), tzinfo=UTC)
    since = horizon - timedelta(days=YEARS * 365 + 30)
    counts = Counts()
    roster = _existing_roster()
    if roster is None:
        roster = _make_roster(rng, *roster_sizes(count), since=since)
        counts.roster_created = True
    counts.organisations, counts.experts = len(roster.organisations), len(roster.experts)
    calendar = Calendar(roster.experts, since.date(), (today - since.date()).days + 3 * 366)
    calendar.load()
    loader = Loader(rng, roster, calendar, horizon)

    times = filing_times(rng, count, horizon)
    per_year: dict[int, int] = {}
    for moment in times:
        per_year[moment.year] = per_year.get(moment.year, 0) + 1
    numbers = _reserve_references(per_year)  # (this also opens the transaction, on SQLite)
    first_id = _next_id(db.metadata.tables["expertise_requests"])
    trigger_sql = _suspend_search_trigger()
    batches = _batches(loader, times, numbers, first_id, connection.dialect)
    for batch_counts, prepared in _built_apart(batches) if build_apart else batches:
        for rows in prepared:
            _write(rows)
        counts.add(batch_counts)
        if progress is not None:
            progress(batch_counts.requests)
    if trigger_sql is not None:
        _index_for_search(trigger_sql, first_id)
    tallies.rebuild()  # the overview's monthly sums, of the requests loaded and of any before them
    _move_sequences()
    return counts


def analyze() -> None:
    """Planner statistics for the tables just filled (SQLite: sampled, so that it stays quick)."""
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA analysis_limit = 1000")
    connection.exec_driver_sql("ANALYZE")


__all__ = ["PASSWORD", "SEED", "Counts", "analyze", "filing_times", "roster_sizes", "seed_bulk"]
