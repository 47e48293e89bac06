"""The one rule for text and free-form JSON in request bodies, and its read-side counterpart.

Every string a client sends (field values, ``attrs`` keys and values at any depth) must be
storable and answerable on both backends: no NUL (PostgreSQL cannot store it) and no lone UTF-16
surrogate (``"\\ud800"`` in JSON: not encodable as UTF-8, so no answer holding it can be sent).
Nested JSON is bounded in depth everywhere and free-form objects (``attrs``) in total size, so a
body cannot make serialising, hashing or auditing it recurse or grow without bound.
``api.schemas.Strict`` applies ``check_text`` to every field; ``clean`` repairs values stored
before the rule existed, so a stored value is never the reason an answer fails.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 8  # nested lists/objects inside one field value
MAX_FREE_JSON_CHARS = 64 * 1024  # a free-form object (``attrs``) as compact JSON

_SURROGATE = re.compile("[\ud800-\udfff]")  # a valid pair decodes to one astral char: any is lone


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be stored and answered as is, or None."""
    if "\x00" in text:
        return "text must not contain the NUL character (\\u0000)"
    if _SURROGATE.search(text):
        return "text must not contain a lone UTF-16 surrogate (\\ud800-\\udfff)"
    return None


def _path(path: tuple[str | int, ...]) -> str:
    """``path`` inside a field as a readable suffix (``.tenants[0].name``)."""
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


def _walk(value: Any, path: tuple[str | int, ...]) -> str | None:
    """The first problem of ``value`` (texts, keys, depth), prefixed with where it is, or None."""
    if isinstance(value, str):
        problem = text_problem(value)
    elif isinstance(value, list | tuple | dict):
        if len(path) >= MAX_DEPTH:
            return f"nested deeper than {MAX_DEPTH} levels" + (f" at {_path(path)}" if path else "")
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            if isinstance(key, str) and (problem := text_problem(key)):
                return f"key {_path(path) or '.'}: {problem}"
            if problem := _walk(item, (*path, key)):
                return problem
        return None
    else:
        return None
    return f"{_path(path)[1:]}: {problem}" if problem and path else problem


def check_text(value: Any) -> Any:
    """``value`` unchanged when every string in it (dict keys included) is storable text and it
    nests at most ``MAX_DEPTH`` levels; else ValueError saying what and where."""
    problem = _walk(value, ())
    if problem:
        raise ValueError(problem)
    return value


def check_free_json(value: Any) -> Any:
    """``value`` unchanged when it passes ``check_text`` and is at most ``MAX_FREE_JSON_CHARS``
    as compact JSON; else ValueError."""
    check_text(value)
    size = len(json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str))
    if size > MAX_FREE_JSON_CHARS:
        raise ValueError(f"at most {MAX_FREE_JSON_CHARS} characters as JSON, not {size}")
    return value


def clean(value: Any) -> Any:
    """``value`` with every lone surrogate replaced by U+FFFD (keys included): a stored value from
    before ``check_text`` existed can always be answered."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    if isinstance(value, dict):
        return {clean(k): clean(v) for k, v in value.items()}
    return value
