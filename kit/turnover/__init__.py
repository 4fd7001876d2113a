"""Transitional: the module moves into this package; the next commit splits it by concern."""

from kit.turnover.attrition import *  # noqa: F401,F403
