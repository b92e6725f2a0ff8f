"""Bringing a member's history from Letterboxd and IMDb: exports (reading the files), matching
(the worker's due job), core (upload, preview, picking by hand, confirming)."""

from .core import ImportNotFound, NotReady, Preview, confirm, get, pick_film, plan, progress, start
from .exports import ExportRefused

__all__ = [
    "ExportRefused",
    "ImportNotFound",
    "NotReady",
    "Preview",
    "confirm",
    "get",
    "pick_film",
    "plan",
    "progress",
    "start",
]
