"""Chinese renders the same on every machine: the kit's own font, whatever CJK fonts the machine has or lacks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont
from matplotlib import font_manager

from kit import fonts, webfont

ROOT = Path(__file__).resolve().parents[1]


def _bundled() -> Path:
    path = fonts.bundled_font_dir() / fonts.BUNDLED_FILES[0]
    assert path.is_file(), "the mplfonts package ships the kit's font"
    return path


def _face(source: Path, family: str, characters: str) -> TTFont:
    """A small font with ``characters`` and the family name ``family`` (a stand-in for one face of a system .ttc)."""
    options = subset.Options()
    options.name_IDs = ["*"]
    font = TTFont(str(source))
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(text=characters)
    subsetter.subset(font)
    for record in font["name"].names:
        if record.nameID in (1, 4, 16):
            record.string = family
    return font


@pytest.fixture(scope="module")
def collection(tmp_path_factory) -> Path:
    """A .ttc like Debian's fonts-noto-cjk: a Japanese face first, the Simplified Chinese face second."""
    folder = tmp_path_factory.mktemp("ttc")
    coll = TTCollection()
    coll.fonts = [_face(_bundled(), "Noto Sans CJK JP", fonts.PROBE_CHARACTERS + "日本"),
                  _face(_bundled(), "Noto Sans CJK SC", fonts.PROBE_CHARACTERS + "销量")]
    path = folder / "NotoSansCJK-Regular.ttc"
    coll.save(str(path))
    return path


def _system_fonts(monkeypatch, entries: list[tuple[str, Path]]) -> None:
    fake = [font_manager.FontEntry(fname=str(path), name=name) for name, path in entries]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", fake)


def test_the_bundled_font_is_used_even_when_the_machine_has_a_cjk_collection(monkeypatch, collection, tmp_path):
    _system_fonts(monkeypatch, [("Noto Sans CJK SC", collection)])
    found = fonts.find_cjk_font(cache=tmp_path)
    assert found.source == "bundled" and found.path == _bundled()
    assert not list(tmp_path.iterdir()), "nothing extracted when the bundled font exists"


def test_a_system_collection_is_used_when_the_bundled_font_is_missing(monkeypatch, collection, tmp_path):
    _system_fonts(monkeypatch, [("Noto Sans CJK SC", collection)])
    found = fonts.find_cjk_font(bundled_dir=tmp_path / "no-such-folder", cache=tmp_path / "cache")
    assert found.source == "system" and found.path.suffix in (".otf", ".ttf")
    face = TTFont(str(found.path))
    assert str(face["name"].getDebugName(1)) == "Noto Sans CJK SC", "the Simplified Chinese face, not the first"
    assert all(ord(ch) in face.getBestCmap() for ch in "销量顾问")
    # extracted once: a second call reuses the file
    mtime = found.path.stat().st_mtime_ns
    again = fonts.find_cjk_font(bundled_dir=tmp_path / "no-such-folder", cache=tmp_path / "cache")
    assert again.path == found.path and found.path.stat().st_mtime_ns == mtime


def test_the_html_subset_can_be_made_from_an_extracted_collection_face(monkeypatch, collection, tmp_path):
    _system_fonts(monkeypatch, [("Noto Sans CJK SC", collection)])
    found = fonts.find_cjk_font(bundled_dir=tmp_path / "none", cache=tmp_path / "cache")
    monkeypatch.setattr(fonts, "cjk_font", lambda: found)
    webfont.font_face_css.cache_clear()
    try:
        css = webfont.font_face_css("销量")
    finally:
        webfont.font_face_css.cache_clear()
    assert "@font-face" in css and "U+9500" in css and "base64," in css


def test_no_cjk_font_anywhere_is_a_clear_error_not_boxes(monkeypatch, tmp_path):
    _system_fonts(monkeypatch, [])
    with pytest.raises(fonts.FontError, match="No Chinese font found"):
        fonts.find_cjk_font(bundled_dir=tmp_path / "none", cache=tmp_path / "cache")


def test_a_collection_without_chinese_glyphs_is_refused(tmp_path):
    coll = TTCollection()
    coll.fonts = [_face(_bundled(), "Latin Only", "abc")]
    path = tmp_path / "latin.ttc"
    coll.save(str(path))
    with pytest.raises(fonts.FontError, match="no face of this font collection has Chinese glyphs"):
        fonts.extract_face(path, tmp_path / "cache")


@pytest.mark.slow
def test_a_fresh_process_with_an_empty_font_cache_embeds_the_bundled_font(tmp_path):
    """The regression from a fresh clone: matplotlib's cache found the system .ttc and no font was embedded."""
    env = {**os.environ, "MPLCONFIGDIR": str(tmp_path / "mpl"), "KIT_CACHE_DIR": str(tmp_path / "kit"),
           "PYTHONPATH": str(ROOT)}
    code = ("from kit import plots, webfont; print(plots.cjk_font_file()); "
            "print('@font-face' in webfont.embed('<html><head></head><body>销售</body></html>'))")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    path, embedded = out.split()
    assert Path(path) == _bundled() and embedded == "True"
