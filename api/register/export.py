"""The one way personal data leaves the system: an admin-only export of the residents living in
the district now, in full, with a stated purpose, audited (who, when, how many, purpose)."""

from __future__ import annotations

import io

import pandas as pd
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.accounts.access import Scope
from api.accounts.audit import audit
from api.errors import Forbidden
from api.io.spreadsheet import safe_frame
from api.models import Household, Person, Room
from api.register.crypto import DataCipher
from api.register.view import PERSONAL
from grid.domain.caseflow import Role

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLUMNS = (
    "person_id",
    "cell_code",
    "building_id",
    "unit",
    "floor",
    "room",
    "household_no",
    *PERSONAL,
    "person_type",
    "relation",
    "moved_in",
)


def register_frame(session: Session, cipher: DataCipher) -> pd.DataFrame:
    """Every resident living in the district now, decrypted, one row each."""
    q = (
        select(Person, Household.household_no, Room.unit, Room.floor, Room.room)
        .join(Household, Household.id == Person.household_id)
        .join(Room, Room.id == Household.room_id)
        .where(Person.moved_out.is_(None))
        .order_by(Person.cell_code, Person.building_id, Room.unit, Room.floor, Room.room)
    )
    rows = []
    for p, no, unit, floor, room in session.execute(q):
        rows.append(
            {
                "person_id": str(p.id),
                "cell_code": p.cell_code,
                "building_id": p.building_id,
                "unit": unit,
                "floor": floor,
                "room": room,
                "household_no": no,
                **{f: cipher.decrypt(f, getattr(p, f)) for f in PERSONAL},
                "person_type": p.person_type,
                "relation": p.relation,
                "moved_in": p.moved_in.isoformat() if p.moved_in else None,
            }
        )
    return pd.DataFrame(rows, columns=list(COLUMNS))


def export_register(
    session: Session, scope: Scope, cipher: DataCipher, purpose: str, fmt: str
) -> Response:
    """The register as CSV or XLSX, for admin only; the export is audited before it is sent."""
    if scope.role != Role.ADMIN:
        raise Forbidden("only an admin may export personal data", ("query",))
    frame = safe_frame(register_frame(session, cipher))
    audit(
        session,
        scope.user_id,
        "export_personal",
        "register",
        "persons",
        {"purpose": purpose, "rows": len(frame), "format": fmt},
    )
    session.commit()
    if fmt == "xlsx":
        buf = io.BytesIO()
        frame.to_excel(buf, index=False, sheet_name="register")
        body, media = buf.getvalue(), XLSX
    else:
        body, media = frame.to_csv(index=False).encode("utf-8-sig"), "text/csv"
    name = f"register.{fmt}"
    return Response(
        body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
