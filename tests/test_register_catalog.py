"""The register's vocabulary: codes unique, aliases unambiguous, /meta form JSON-able."""

import json

from grid.domain.catalog import PlaceKind
from grid.register import catalog


def test_codes_are_unique_and_aliases_unambiguous():
    for table in (catalog.PERSON_TYPES, catalog.RELATIONS, catalog.ROOM_USES, catalog.ORG_TYPES):
        codes = [t.code for t in table]
        assert len(codes) == len(set(codes))
        words: dict[str, str] = {}
        for t in table:
            for w in (t.code, t.term.zh, t.term.en, *t.aliases):
                assert words.setdefault(catalog.fold(w), t.code) == t.code, w


def test_aliases_map_chinese_and_english_words():
    types = catalog.alias_table(catalog.PERSON_TYPES)
    assert types["户籍"] == types["registered"] == "registered"
    assert types["流动人口"] == types["floating"] == "floating"
    assert types["境外"] == "foreign"
    rel = catalog.alias_table(catalog.RELATIONS)
    assert rel["本人"] == rel["户主"] == "self"
    assert rel[catalog.fold("Spouse ")] == rel["配偶"] == "spouse"


def test_key_groups_carry_the_police_rule():
    police = catalog.police_identity_groups()
    assert {"community_correction", "released", "drug", "mental_health"} <= police
    assert "elderly_alone" not in police and "low_income" not in police
    assert catalog.key_group("community_correction").visit_every_days == 7


def test_org_types_overlap_place_kinds():
    kinds = {t.code: t.place_kind for t in catalog.ORG_TYPES}
    assert kinds["internet_cafe"] == PlaceKind.INTERNET_CAFE
    assert kinds["company"] is None


def test_meta_is_json():
    meta = json.loads(json.dumps(catalog.register_meta()))
    assert {"person_types", "relations", "room_uses", "org_types", "key_groups"} <= set(meta)
    assert meta["personal_fields"] == ["name", "id_number", "phone", "birth_date"]
    assert any(g["police_identity"] for g in meta["key_groups"])
