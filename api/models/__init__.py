"""All tables of the store, one set for SQLite + SpatiaLite and PostGIS."""

from api.models.accounts import AuditEntry, Role, Term, User
from api.models.areas import (
    Building,
    Cell,
    Community,
    District,
    Generation,
    LeaderAssignment,
    Street,
)
from api.models.base import SRID, Base, utcnow
from api.models.field import (
    CaseTransition,
    Checkin,
    Party,
    Photo,
    PhotoUpload,
    Place,
    Record,
    RecordPhoto,
)
from api.models.register import (
    Household,
    Organisation,
    Person,
    PersonTag,
    RegisterAddress,
    Room,
)

__all__ = [
    "SRID",
    "AuditEntry",
    "Base",
    "Building",
    "CaseTransition",
    "Cell",
    "Checkin",
    "Community",
    "District",
    "Generation",
    "Household",
    "LeaderAssignment",
    "Organisation",
    "Party",
    "Person",
    "PersonTag",
    "Photo",
    "PhotoUpload",
    "Place",
    "Record",
    "RecordPhoto",
    "RegisterAddress",
    "Role",
    "Room",
    "Street",
    "Term",
    "User",
    "utcnow",
]
