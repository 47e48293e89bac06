"""All tables of the store, one set for SQLite + SpatiaLite and PostGIS."""

from api.models.accounts import ApiKey, AuditEntry, Role, Term, User
from api.models.areas import (
    Building,
    Cell,
    Community,
    District,
    Generation,
    LeaderAssignment,
    Street,
    VerticalCell,
)
from api.models.base import SRID, Base, utcnow
from api.models.cases import (
    Mediation,
    MediationSession,
    Open311Client,
    Rating,
    Rectification,
    RectificationStep,
    ResidentReport,
    Screening,
)
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

__all__ = [
    "Mediation",
    "MediationSession",
    "Open311Client",
    "Rating",
    "Rectification",
    "RectificationStep",
    "ResidentReport",
    "Screening",
    "SRID",
    "ApiKey",
    "AuditEntry",
    "Base",
    "Building",
    "CaseTransition",
    "Cell",
    "Checkin",
    "Community",
    "District",
    "Generation",
    "LeaderAssignment",
    "Party",
    "Photo",
    "PhotoUpload",
    "Place",
    "Record",
    "RecordPhoto",
    "Role",
    "Street",
    "Term",
    "User",
    "VerticalCell",
    "utcnow",
]
