"""Reading ``dealer.yml`` as a file: safe path, size cap, encoding, and YAML without anchors, aliases or repeated keys.

This is the file level only; what the settings mean is checked by :mod:`kit.settings` and the analysis modules.
The YAML is parsed by a :class:`yaml.SafeLoader` that refuses anchors and aliases (``&a`` / ``*a``: a few lines of
them can expand to gigabytes, the "billion laughs"), caps the number of nodes, and refuses a key written twice
in one mapping (YAML would silently keep the last).
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from kit.exceptions import ConfigError
from kit.io.files import read_file_bytes

#: a dealer.yml is a few kilobytes; anything larger is not a settings file
MAX_SETTINGS_BYTES = 1 << 20
#: YAML nodes (scalars, lists, mappings) one settings file may hold
MAX_SETTINGS_NODES = 50_000


_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when PyYAML was built with it


def _check_events(text: str, label: str) -> None:
    """Refuse anchors and aliases and cap the node count, from the parser's events, before anything is built."""
    nodes = 0
    try:
        for event in yaml.parse(text, Loader=_BaseLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                mark = event.start_mark
                raise ConfigError(f"{label} line {mark.line + 1}, column {mark.column + 1}: YAML anchors and aliases "
                                  "(&name, *name) are not accepted in dealer.yml; write each value out.",
                                  key="settings_yaml_alias", fields={"line": mark.line + 1, "col": mark.column + 1})
            if isinstance(event, (yaml.ScalarEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                nodes += 1
                if nodes > MAX_SETTINGS_NODES:
                    raise ConfigError(f"{label}: more than {MAX_SETTINGS_NODES:,} values; this is not a settings "
                                      "file.", key="settings_too_many_values", fields={"limit": MAX_SETTINGS_NODES})
    except yaml.YAMLError:
        return  # loading reports syntax errors with their line


class _SettingsLoader(_BaseLoader):
    """A safe loader that refuses a key written twice in one mapping (plain YAML keeps the last silently)."""

    label = "dealer.yml"

    def construct_mapping(self, node, deep=False):
        seen: dict = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            mark = key_node.start_mark
            where = f"{self.label} line {mark.line + 1}, column {mark.column + 1}"
            try:
                hash(key)
            except TypeError:
                raise ConfigError(f"{where}: a key must be a name; got {key!r}.", key="settings_key_not_a_name",
                                  fields={"line": mark.line + 1, "col": mark.column + 1, "found": repr(key)}) from None
            if key in seen:
                raise ConfigError(f"{where}: the key {key!r} appears twice in the same section (first on line "
                                  f"{seen[key] + 1}); keep one.", key="settings_key_twice",
                                  fields={"line": mark.line + 1, "col": mark.column + 1, "name": repr(key),
                                          "first_line": seen[key] + 1})
            seen[key] = mark.line
        return super().construct_mapping(node, deep=deep)


def read_settings_file(path: str | Path) -> dict:
    """The mapping in a ``dealer.yml`` file ({} when the file is empty or only comments).

    Raises
    ------
    ConfigError
        Naming the file (and line and column for YAML errors): not found, not a regular file (a folder, a named
        pipe), larger than :data:`MAX_SETTINGS_BYTES`, not UTF-8 or GBK text, NUL bytes, not valid YAML, anchors
        or aliases, a repeated key, or a top level that is not a mapping of sections.
    """
    path = Path(path)
    if not os.path.lexists(path):
        raise ConfigError(f"{path}: settings file not found.", key="settings_not_found")
    raw = read_file_bytes(path, max_bytes=MAX_SETTINGS_BYTES, error=ConfigError)
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw:
        raise ConfigError(f"{path.name}: not a UTF-8 text file (UTF-16 or binary); save it as UTF-8.",
                          key="settings_not_utf8")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            raise ConfigError(f"{path.name}: neither UTF-8 nor GBK text; save it as UTF-8.",
                              key="settings_not_text") from None
    _check_events(text, path.name)
    loader = _SettingsLoader(text)
    loader.label = path.name
    try:
        mapping = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reason = str(getattr(exc, "problem", None) or exc)
        raise ConfigError(f"{path.name}{where}: not valid YAML ({reason}).",
                          key="settings_yaml_invalid_at" if mark else "settings_yaml_invalid",
                          fields={"line": mark.line + 1, "col": mark.column + 1, "reason": reason} if mark else
                          {"reason": reason}) from None
    except RecursionError:
        raise ConfigError(f"{path.name}: nested too deeply to be a settings file.", key="settings_too_deep") from None
    finally:
        loader.dispose()
    if mapping is None:
        return {}
    if not isinstance(mapping, dict):
        raise ConfigError(f"{path.name}: expected sections such as 'dealer:' and 'kpi:' at the top; got "
                          f"{type(mapping).__name__}.", key="settings_not_sections",
                          fields={"found": type(mapping).__name__})
    return mapping
