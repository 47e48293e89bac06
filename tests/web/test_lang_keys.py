"""One i18n system: the tablet app and the analytics page read the same dictionaries
(web/public/js/lang/*.js). Every key exists in both languages, and every key the analytics page
names literally (HTML data-i18n*, t("...") in its modules) is defined. No browser needed."""

from __future__ import annotations

import re
from pathlib import Path

PUBLIC = Path(__file__).resolve().parents[2] / "web" / "public"
LANGS = ("zh", "en")


def keys(lang: str) -> dict[str, str]:
    """The key → string pairs of one language file (one ``key: "text",`` per line)."""
    text = (PUBLIC / "js" / "lang" / f"{lang}.js").read_text(encoding="utf-8")
    return dict(re.findall(r'^\s+(\w+): "((?:[^"\\]|\\.)*)",\s*$', text, re.M))


def test_every_key_exists_in_both_languages():
    zh, en = keys("zh"), keys("en")
    assert len(zh) > 100  # the parser read the files
    assert sorted(set(zh) - set(en)) == [], "keys missing in en.js"
    assert sorted(set(en) - set(zh)) == [], "keys missing in zh.js"
    assert [k for k, v in en.items() if not v.strip()] == []
    assert [k for k, v in zh.items() if not v.strip()] == []


def test_analytics_page_uses_only_defined_keys():
    defined = set(keys("zh"))
    html = (PUBLIC / "analytics.html").read_text(encoding="utf-8")
    used = set(re.findall(r'data-i18n(?:-placeholder|-label)?="(\w+)"', html))
    for js in (PUBLIC / "js" / "analytics").glob("*.js"):
        used |= set(re.findall(r'\bt\("(\w+)"', js.read_text(encoding="utf-8")))
    assert len(used) > 30
    assert sorted(used - defined) == []
    assert "data-t=" not in html and "data-tp=" not in html  # the old analytics-only markers


def test_analytics_has_no_dictionary_of_its_own():
    assert not (PUBLIC / "js" / "analytics" / "i18n.js").exists()
    for js in (PUBLIC / "js" / "analytics").glob("*.js"):
        src = js.read_text(encoding="utf-8")
        assert "localStorage" not in src, f"{js.name} stores the language itself"
        imports = re.findall(r'from "(\./[^"]+|\.\./[^"]+)"', src)
        assert "./main.js" not in imports, f"{js.name} imports main.js (import circle)"
