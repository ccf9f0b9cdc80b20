"""The pack's plain-English wording now lives in :mod:`orgsim.views.plain`, shared with
the human output of ``slot`` and ``audit``; this name is kept for older imports."""

from orgsim.views.plain import TIE_BREAK, TIE_BREAK_PLAIN, Plain

__all__ = ["TIE_BREAK", "TIE_BREAK_PLAIN", "Plain"]
