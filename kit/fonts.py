"""The one CJK font the kit renders Chinese with, in charts and in the HTML, on every machine.

Reports must look the same wherever they are produced, so the kit does not use whatever Chinese font a machine
happens to have: it uses the Noto Sans CJK SC file that the ``mplfonts`` package installs with the kit. Only if that
file is missing (a broken install) does it fall back to a system font; a system font may be a plain ``.ttf`` /
``.otf`` file or a ``.ttc`` collection (Debian's ``fonts-noto-cjk``), in which case the Simplified Chinese face is
extracted once into the kit's cache folder so that matplotlib and the HTML subsetter read one ordinary font file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kit.exceptions import KitError

#: Characters every candidate font must have (a consultant's title, a common surname, the currency sign's word).
PROBE_CHARACTERS = "销售顾问流失率郑元"
#: Files the ``mplfonts`` package ships, best first.
BUNDLED_FILES = ("NotoSansCJKsc-Regular.otf", "SourceHanSansSC-Regular.otf", "SimHei.ttf")
#: System families tried, in order, only when the bundled font is missing.
SYSTEM_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
                   "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Microsoft YaHei", "PingFang SC", "SimHei",
                   "Heiti SC", "Sarasa Gothic SC")


class FontError(KitError, RuntimeError):
    """No usable CJK font: Chinese text would render as empty boxes."""


@dataclass(frozen=True)
class CjkFont:
    """The font file (never a collection) and where it came from (``bundled`` or ``system``)."""

    path: Path
    source: str


def bundled_font_dir() -> Path | None:
    """Folder of the fonts the ``mplfonts`` package ships, or None when it is not installed."""
    try:
        import mplfonts
    except ImportError:  # pragma: no cover - mplfonts is a declared dependency
        return None
    return Path(mplfonts.__file__).parent / "fonts"


def _has_glyphs(font) -> bool:
    cmap = font.getBestCmap() or {}
    return all(ord(ch) in cmap for ch in PROBE_CHARACTERS)


def _family(font) -> str:
    return str(font["name"].getDebugName(1) or "")


def extract_face(collection: Path, cache: Path) -> Path:
    """Write the Simplified Chinese face of a ``.ttc`` collection to ``cache`` as one font file; return its path.

    The face whose family name ends in "SC" is preferred; otherwise the first face that has the probe characters.
    The file name carries a hash of the collection's path and size, so a changed system font is extracted again.
    """
    from fontTools.ttLib import TTCollection

    coll = TTCollection(str(collection), lazy=True)
    faces = [f for f in coll.fonts if _has_glyphs(f)]
    if not faces:
        raise FontError(f"{collection}: no face of this font collection has Chinese glyphs.")
    face = next((f for f in faces if _family(f).rstrip().endswith("SC")), faces[0])
    key = hashlib.sha256(f"{collection.resolve()}:{collection.stat().st_size}".encode()).hexdigest()[:12]
    suffix = ".otf" if "CFF " in face else ".ttf"
    target = cache / f"{collection.stem}-{key}{suffix}"
    if not target.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        face.save(str(tmp))
        tmp.replace(target)
    return target


def _system_font(cache: Path) -> Path | None:
    from matplotlib import font_manager

    by_family: dict[str, list[Path]] = {}
    for entry in font_manager.fontManager.ttflist:
        by_family.setdefault(entry.name, []).append(Path(entry.fname))
    for family in SYSTEM_FAMILIES:
        for path in sorted(by_family.get(family, [])):
            if path.suffix.lower() == ".ttc":
                return extract_face(path, cache)
            if path.suffix.lower() in (".otf", ".ttf"):
                return path
    return None


def find_cjk_font(*, bundled_dir: Path | None = None, cache: Path | None = None,
                  allow_system: bool = True) -> CjkFont:
    """The font file the kit uses for Chinese: the bundled one, else a system font (collections extracted).

    Raises
    ------
    FontError : no font with Chinese glyphs can be found.
    """
    from kit.config import cache_dir

    bundled_dir = bundled_font_dir() if bundled_dir is None else bundled_dir
    cache = cache_dir() / "fonts" if cache is None else cache
    if bundled_dir is not None:
        for name in BUNDLED_FILES:
            if (bundled_dir / name).is_file():
                return CjkFont(bundled_dir / name, "bundled")
    if allow_system:
        path = _system_font(cache)
        if path is not None:
            return CjkFont(path, "system")
    raise FontError("No Chinese font found: reinstall the kit's dependencies (the mplfonts package ships one) or "
                    "install a CJK font such as Debian's fonts-noto-cjk.")


@lru_cache(maxsize=1)
def cjk_font() -> CjkFont:
    """:func:`find_cjk_font` once per process."""
    return find_cjk_font()
