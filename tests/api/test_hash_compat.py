"""A record's content hash is what lets a tablet's resend after a lost answer get 200, not 409.
Fields added to the record body later must not change the hash of a body that leaves them unset,
or every record stored before an upgrade turns into a conflict on its resend."""

from api.models.keyed import content_hash
from api.records.schemas import RecordIn

BODY = {
    "id": "6f1c1b8e-4a55-4a8e-9a53-0d4b2f0a9c11", "kind": "incident", "category": "fire",
    "priority": "routine", "description": "楼道堆物", "lon": 117.2, "lat": 39.12,
    "occurred_at": "2026-11-01T08:00:00+08:00",
}


def _digest_before() -> str:
    import hashlib
    import json

    dumped = RecordIn.model_validate(BODY).model_dump(mode="json")
    for added in ("floor", "unit"):
        dumped.pop(added)
    text = json.dumps(dumped, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def test_a_body_without_the_new_fields_hashes_as_before() -> None:
    assert content_hash(RecordIn.model_validate(BODY)) == _digest_before()


def test_the_new_fields_count_once_set() -> None:
    plain = content_hash(RecordIn.model_validate(BODY))
    assert content_hash(RecordIn.model_validate({**BODY, "floor": 12})) != plain
    assert content_hash(RecordIn.model_validate({**BODY, "unit": 2})) != plain
