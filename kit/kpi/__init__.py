"""Transitional: the module moves into this package; the next commit splits it by concern."""

from kit.kpi.settings import *  # noqa: F401,F403
