"""orgsim: an event-sourced organisational restructure simulator."""

__version__ = "0.1.0"
