"""The register's field rules at the API edge, each a 422 naming the field: codes from
``grid.register.catalog``, ID numbers (GB 11643), phones, credit codes (GB 32100) and dates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from api.errors import InvalidInput, Loc
from api.periods import ZONE
from api.register.schemas import TagIn
from grid.register.catalog import KEY_GROUPS, ORG_TYPES, PERSON_TYPES, RELATIONS, ROOM_USES
from grid.register.creditcodes import credit_code_error, normalise_credit_code
from grid.register.idnumbers import id_number_error, normalise_id
from grid.register.phones import normalise_phone, phone_error

EARLIEST_DAY = date(1890, 1, 1)
VOCABULARIES: dict[str, frozenset[str]] = {
    "person_type": frozenset(t.code for t in PERSON_TYPES),
    "relation": frozenset(t.code for t in RELATIONS),
    "use": frozenset(t.code for t in ROOM_USES),
    "org_type": frozenset(t.code for t in ORG_TYPES),
    "group": frozenset(g.code for g in KEY_GROUPS),
}
FOREIGN = "foreign"  # a person type whose document is a passport, not a resident ID card


def today() -> date:
    """Today in the district's time zone (dates in the register are local days)."""
    return datetime.now(ZONE).date()


def check_code(vocabulary: str, value: str, loc: Loc) -> str:
    """``value`` when it is a code of ``vocabulary``."""
    allowed = VOCABULARIES[vocabulary]
    if value not in allowed:
        raise InvalidInput(
            f"unknown {vocabulary} {value!r}; one of {', '.join(sorted(allowed))}", loc
        )
    return value


def check_day(
    value: date | None, loc: Loc, *, after: date | None = None, future: bool = False
) -> date | None:
    """``value`` when it is a possible date: not in the future (unless ``future``: a planned
    end), not before 1890, and not before ``after`` (e.g. a move-out before the move-in)."""
    if value is None:
        return None
    if not future and value > today():
        raise InvalidInput(f"impossible date {value.isoformat()}: it lies in the future", loc)
    if value < EARLIEST_DAY:
        raise InvalidInput(f"impossible date {value.isoformat()}: before 1890", loc)
    if after is not None and value < after:
        raise InvalidInput(f"impossible date {value.isoformat()}: before {after.isoformat()}", loc)
    return value


def document_shaped(number: str) -> bool:
    """Whether a normalised ``number`` has the shape of a foreigner's document number (passport,
    permit): 5–30 ASCII letters or digits. The one rule for storing and for searching."""
    return number.isascii() and number.isalnum() and 5 <= len(number) <= 30


def check_id_number(value: str | None, person_type: str, loc: Loc) -> str | None:
    """The normalised ID number; a resident ID card is checked (length, region, birth date,
    check character); a foreigner's document only for its shape."""
    if value is None or not value.strip():
        return None
    number = normalise_id(value)
    if person_type == FOREIGN:
        if not document_shaped(number):
            raise InvalidInput("a document number must be 5–30 letters or digits", loc)
        return number
    error = id_number_error(number)
    if error is not None:
        raise InvalidInput(error, loc)
    return number


def check_phone(value: str | None, loc: Loc) -> str | None:
    """The normalised phone (mobile or landline), None when not given."""
    if value is None or not value.strip():
        return None
    error = phone_error(value)
    if error is not None:
        raise InvalidInput(error, loc)
    return normalise_phone(value)


def check_credit_code(value: str | None, loc: Loc) -> str | None:
    """The normalised unified social credit code, None when not given."""
    if value is None or not value.strip():
        return None
    error = credit_code_error(value)
    if error is not None:
        raise InvalidInput(error, loc)
    return normalise_credit_code(value)


def check_tags(tags: Sequence[TagIn], loc: Loc) -> list[TagIn]:
    """Key-group tags with known groups and possible, ordered dates."""
    for i, tag in enumerate(tags):
        check_code("group", tag.group, (*loc, i, "group"))
        check_day(tag.start, (*loc, i, "start"))
        if tag.end is not None:
            check_day(tag.end, (*loc, i, "end"), after=tag.start, future=True)
    return list(tags)
