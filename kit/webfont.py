"""Make Chinese text render in the HTML reports on any machine: embed the glyphs the page uses.

A manager's browser may have no Chinese font (a fresh Linux desktop, a kiosk). The reports stay self-contained and
offline, so instead of linking a web font the kit subsets the CJK font it already ships for the charts
(:func:`kit.fonts.cjk_font`, the same file on every machine) to exactly the characters in the page, and embeds that subset (typically a few
hundred glyphs, tens of kilobytes) as a base64 ``@font-face`` limited by ``unicode-range`` to those characters. The
stylesheet lists it first: a web font placed after a local font is skipped by Chrome's per-character fallback.
"""

from __future__ import annotations

import base64
import io
import re
from functools import lru_cache

FAMILY = "Kit CJK"
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")


def cjk_characters(text: str) -> str:
    """The distinct CJK characters (ideographs, CJK punctuation, full-width forms) in ``text``, sorted."""
    return "".join(sorted(set(_CJK.findall(text))))


@lru_cache(maxsize=64)
def font_face_css(characters: str) -> str:
    """A ``@font-face`` rule embedding a subset of the kit's CJK font with ``characters``; '' when none."""
    if not characters:
        return ""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    from kit.fonts import cjk_font

    path = cjk_font().path  # raises FontError rather than silently embedding nothing
    options = subset.Options()
    options.flavor = "woff"  # zlib-compressed; woff2 would need brotli
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    font = TTFont(str(path), lazy=False)
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(text=characters)
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.flavor = "woff"
    font.save(buffer)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    # unicode-range tells the browser this face covers these characters, so it loads it during per-character
    # fallback (without it Chrome skips a not-yet-loaded web font after a local font in the family list)
    ranges = ", ".join(f"U+{ord(c):04X}" for c in characters)
    return (f'@font-face {{ font-family: "{FAMILY}"; font-style: normal; font-weight: 400; '
            f'src: url(data:font/woff;base64,{data}) format("woff"); unicode-range: {ranges}; }}')


def embed(html: str, characters: str | None = None) -> str:
    """``html`` with the CJK subset font embedded just before ``</head>`` (unchanged when it has no CJK text).

    ``characters``: the subset's characters when pages share one (a superset of the page's own); default the
    page's. Subsetting costs seconds per distinct set, so a hundred store indexes share one subset.
    """
    css = font_face_css(cjk_characters(html) if characters is None else characters)
    if not css or "</head>" not in html:
        return html
    return html.replace("</head>", f"<style>{css}</style>\n</head>", 1)
