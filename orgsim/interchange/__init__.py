"""Interchange with published formats: UK government organograms in, organogram / Popolo /
flat CSV out. See :mod:`orgsim.interchange.organogram` (reading),
:mod:`orgsim.interchange.reconcile` (a release as events), :mod:`orgsim.interchange.export`."""

from orgsim.interchange.importer import ImportFailed, ImportReport, import_organogram
from orgsim.interchange.organogram import OrganogramError, Release, read_organogram

__all__ = [
    "ImportFailed",
    "ImportReport",
    "OrganogramError",
    "Release",
    "import_organogram",
    "read_organogram",
]
