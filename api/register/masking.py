"""Who may see a resident's identity, and what everyone else sees (DESIGN §3c).

The rule, per role: admin everyone; street staff the people of their communities; officers the
people of their own cells; police only members of a key group whose access rule
(``identity_roles`` in ``grid.register.catalog.KEY_GROUPS``: the rule is data) names them.
Everyone else sees masked values (name 王*, ID 1201**********1234, phone 138****5678, birth
date 1990-**-**). Even a role that may see identities gets them only when it states a
``purpose``, and each such read is audited (``api.register.view.unmasked``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from api.accounts.access import Scope
from grid.domain.caseflow import Role
from grid.register.catalog import identity_groups


def mask_name(name: str) -> str:
    """A name showing its first character only (王小明 → 王**)."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else name


def mask_id(value: str) -> str:
    """An ID number showing its first four and last four characters."""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    """A phone showing its first three and last four digits (138****5678)."""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_birth_date(value: str) -> str:
    """A birth date showing its year only (1990-**-**)."""
    return value[:4] + "-**-**" if len(value) >= 4 else "*" * len(value)


MASKERS: dict[str, Callable[[str], str]] = {
    "name": mask_name,
    "id_number": mask_id,
    "phone": mask_phone,
    "birth_date": mask_birth_date,
    "contact": mask_name,
}


def masked(values: dict[str, str | None]) -> dict[str, str | None]:
    """``values`` (personal fields by name) with each present one masked."""
    return {k: (MASKERS[k](v) if v else v) for k, v in values.items()}


def may_see_identity(
    scope: Scope, cell_code: str | None, community_code: str | None, groups: Collection[str]
) -> bool:
    """Whether ``scope`` may see in full the identity of a person living in this cell and
    community and tagged now with ``groups`` (the role's rule; the purpose comes on top)."""
    if scope.role == Role.ADMIN:
        return True
    if scope.role == Role.POLICE:
        return bool(identity_groups(Role.POLICE.value) & set(groups))
    if scope.role == Role.STREET:
        return scope.communities is None or community_code in scope.communities
    if scope.role == Role.OFFICER:
        return scope.cells is not None and cell_code in scope.cells
    return False


def kept_if_masked(field: str, sent: str | None, stored: str | None) -> str | None:
    """What a PATCH stores for personal ``field``: the stored value when the client sent back
    exactly its masked form (what it was shown), else what it sent."""
    if sent is not None and stored is not None and sent == MASKERS[field](stored):
        return stored
    return sent
