"""Transitional: the module moves into this package; the next commit splits it by concern."""

from kit.models.classifier import *  # noqa: F401,F403
from kit.models.classifier import CANDIDATES  # noqa: F401
