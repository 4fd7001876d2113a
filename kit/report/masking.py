"""Personal data in reports: the kit's one masking rule for names and phone numbers."""

from __future__ import annotations

import re
from typing import Iterable

import pandas as pd


def mask_name(name: object) -> object:
    """Keep the first character: '张伟' → '张*', '欧阳小明' → '欧***', 'Li Wei' → 'L*****'."""
    if name is None or (not isinstance(name, str) and pd.isna(name)):
        return name
    s = str(name).strip()
    if len(s) <= 1:
        return "*" if s else s
    return s[0] + "*" * (len(s) - 1)


def mask_phone(phone: object) -> object:
    """Keep the first three and last four digits: '13812345678' → '138****5678'."""
    if phone is None or (not isinstance(phone, str) and pd.isna(phone)):
        return phone
    digits = re.sub(r"\D", "", str(phone))
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_personal(frame: pd.DataFrame, *, names: Iterable[str] = ("customer_name", "name", "staff_name"),
                  phones: Iterable[str] = ("phone",), enabled: bool = True) -> pd.DataFrame:
    """A copy of ``frame`` with personal columns masked (unchanged when ``enabled`` is False)."""
    out = frame.copy()
    if not enabled:
        return out
    for col in names:
        if col in out.columns:
            out[col] = out[col].map(mask_name)
    for col in phones:
        if col in out.columns:
            out[col] = out[col].map(mask_phone)
    return out


# --------------------------------------------------------------------------- tables


def staff_labels(staff: pd.DataFrame, *, mask: bool = True) -> dict[str, str]:
    """``staff_id`` → ``'E012 张*'`` (the name masked unless ``mask`` is False) for tables and charts."""
    names = staff.set_index("staff_id")["name"] if "name" in staff.columns else pd.Series(dtype="string")
    out = {}
    for sid in staff["staff_id"]:
        name = names.get(sid)
        if name is None or pd.isna(name):
            out[sid] = str(sid)
        else:
            out[sid] = f"{sid} {mask_name(name) if mask else name}"
    return out
