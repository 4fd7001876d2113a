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


class _SettingsLoader(yaml.SafeLoader):
    """SafeLoader without anchors/aliases, with a node cap and no repeated keys."""

    def __init__(self, stream, label: str):
        super().__init__(stream)
        self._label = label
        self._nodes = 0

    def _where(self, mark) -> str:
        return f"{self._label} line {mark.line + 1}, column {mark.column + 1}" if mark else self._label

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise ConfigError(f"{self._where(event.start_mark)}: YAML anchors and aliases (&name, *name) are not "
                              "accepted in dealer.yml; write each value out.")
        self._nodes += 1
        if self._nodes > MAX_SETTINGS_NODES:
            raise ConfigError(f"{self._where(event.start_mark)}: more than {MAX_SETTINGS_NODES:,} values; this is "
                              "not a settings file.")
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):
        seen: dict = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise ConfigError(f"{self._where(key_node.start_mark)}: a key must be a name; got {key!r}.") from None
            if key in seen:
                raise ConfigError(f"{self._where(key_node.start_mark)}: the key {key!r} appears twice in the same "
                                  f"section (first on line {seen[key] + 1}); keep one.")
            seen[key] = key_node.start_mark.line
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
        raise ConfigError(f"{path}: settings file not found.")
    raw = read_file_bytes(path, max_bytes=MAX_SETTINGS_BYTES, error=ConfigError)
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw:
        raise ConfigError(f"{path.name}: not a UTF-8 text file (UTF-16 or binary); save it as UTF-8.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            raise ConfigError(f"{path.name}: neither UTF-8 nor GBK text; save it as UTF-8.") from None
    loader = _SettingsLoader(text, path.name)
    try:
        mapping = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{path.name}{where}: not valid YAML ({getattr(exc, 'problem', None) or exc}).") from None
    except RecursionError:
        raise ConfigError(f"{path.name}: nested too deeply to be a settings file.") from None
    finally:
        loader.dispose()
    if mapping is None:
        return {}
    if not isinstance(mapping, dict):
        raise ConfigError(f"{path.name}: expected sections such as 'dealer:' and 'kpi:' at the top; got "
                          f"{type(mapping).__name__}.")
    return mapping
