"""Every model, imported in one place so that Alembic and the app see them all."""

from .audit.models import AuditEntry
from .auth.models import ApiToken, Organisation, Role, User
from .cases.models import (
    Assignment,
    Event,
    ExpertiseRequest,
    IdempotencyKey,
    Mission,
    OverviewTally,
    ReferenceCounter,
    RequestFacts,
    SavedView,
)
from .documents.models import Document, StoredFile
from .experts.models import ExpertCountry, ExpertField, ExpertLanguage, ExpertProfile, ExpertRegion, Unavailability
from .notifications.models import Notification, OutboxEmail

__all__ = [
    "ApiToken",
    "Assignment",
    "AuditEntry",
    "Document",
    "Event",
    "ExpertCountry",
    "ExpertField",
    "ExpertLanguage",
    "ExpertProfile",
    "ExpertRegion",
    "ExpertiseRequest",
    "IdempotencyKey",
    "Mission",
    "Notification",
    "Organisation",
    "OutboxEmail",
    "OverviewTally",
    "ReferenceCounter",
    "RequestFacts",
    "Role",
    "SavedView",
    "StoredFile",
    "Unavailability",
    "User",
]
