"""The display catalog: every code, column, metric and sentence a report shows, in English and Chinese.

The entries live in ``kit/catalog/*.yml`` (one file per area: ``common``, ``leads``, ``turnover`` …), each with
``labels`` (code → display name) and ``text`` (sentences with ``{placeholders}``). Notebooks, tables, Excel writers
and the runner take their words from here, never from inline strings.

>>> from kit.i18n import label, t
>>> label("walk_in", "zh")
'来店'
>>> t("index_title", "en", month="2026-10")
'Monthly management reports — 2026-10'

A code that means different things in different places gets a ``code@group`` entry; ``label(code, lang,
group=...)`` prefers it. A code without an entry is shown as it is and remembered in :func:`unknown_codes` (the
tests and the runner's log use it); with ``KIT_STRICT_I18N=1`` it raises ``KeyError`` instead.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Iterable

import yaml

LANGS = ("en", "zh")
CATALOG_DIR = Path(__file__).resolve().parent / "catalog"
_UNKNOWN: set[str] = set()
#: libyaml's safe loader where PyYAML was built with it: the catalog loads in a tenth of the time, in every process
#: and notebook kernel that speaks to a manager
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@functools.lru_cache(maxsize=1)
def catalog() -> dict[str, dict[str, dict[str, str]]]:
    """``{"labels": {code: {"en": …, "zh": …}}, "text": {key: {…}}}`` merged from every catalog file.

    Raises ValueError when two files define the same key differently or an entry lacks a language.
    """
    merged: dict[str, dict[str, dict[str, str]]] = {"labels": {}, "text": {}}
    for path in sorted(CATALOG_DIR.glob("*.yml")):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER) or {}
        for part in ("labels", "text"):
            for key, entry in (data.get(part) or {}).items():
                key = str(key)
                if not isinstance(entry, dict) or any(not isinstance(entry.get(lang), str) for lang in LANGS):
                    raise ValueError(f"{path.name}: {part}.{key}: expected {{en: …, zh: …}}; got {entry!r}.")
                known = merged[part].get(key)
                if known is not None and known != entry:
                    raise ValueError(f"{path.name}: {part}.{key} is already defined differently: {known!r}.")
                merged[part][key] = {lang: entry[lang] for lang in LANGS}
    return merged


def _check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang: expected one of {', '.join(LANGS)}; got {lang!r}.")
    return lang


def _missing(kind: str, key: str) -> None:
    if os.environ.get("KIT_STRICT_I18N") == "1":
        raise KeyError(f"the display catalog has no {kind} {key!r} (add it to kit/catalog/*.yml)")
    _UNKNOWN.add(key)


def label(code: object, lang: str = "en", *, group: str | None = None) -> str:
    """Display name of a code (``walk_in`` → "Walk-in" / "来店"); the code itself when unknown."""
    labels_ = catalog()["labels"]
    key = str(code)
    entry = (labels_.get(f"{key}@{group}") if group else None) or labels_.get(key)
    if entry is None:
        _missing("label", key)
        return key
    return entry[_check_lang(lang)]


def labels(lang: str = "en", codes: Iterable[object] | None = None, **extra: str) -> dict[str, str]:
    """``{code: display name}`` for ``codes`` (every catalog label when None), plus ``extra``."""
    if codes is None:
        codes = [k for k in catalog()["labels"] if "@" not in k]
    return {str(c): label(c, lang) for c in codes} | extra


def t(key: str, lang: str = "en", /, **fields: object) -> str:
    """The sentence ``key`` in ``lang`` with ``{placeholders}`` filled from ``fields``."""
    entry = catalog()["text"].get(key)
    if entry is None:
        _missing("text", key)
        return key
    text = entry[_check_lang(lang)]
    return text.format(**fields) if fields else text


def has(code: object) -> bool:
    """Whether the catalog has a label for ``code``."""
    return str(code) in catalog()["labels"]


def unknown_codes() -> set[str]:
    """Codes and keys looked up in this process that the catalog does not have."""
    return set(_UNKNOWN)


def pick(lang: str, en: str, zh: str) -> str:
    """Inline bilingual text. Deprecated: put the words in the catalog and use :func:`t` or :func:`label`."""
    return zh if lang == "zh" else en
