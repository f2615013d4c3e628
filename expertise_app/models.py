"""Every model, imported in one place so that Alembic and the app see them all."""

from .auth.models import ApiToken, ExpertProfile, Organisation, Role, User
from .cases.models import Assignment, Event, ExpertiseRequest, IdempotencyKey, Mission, ReferenceCounter

__all__ = [
    "ApiToken",
    "Assignment",
    "Event",
    "ExpertProfile",
    "ExpertiseRequest",
    "IdempotencyKey",
    "Mission",
    "Organisation",
    "ReferenceCounter",
    "Role",
    "User",
]
