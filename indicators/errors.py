"""The Grapevine exception tree.

Every error Grapevine raises on purpose derives from :class:`GrapevineError`, so the
CLI and the servers can turn any of them into a clear message. The tree::

    GrapevineError                      indicators/errors.py
    ├── IndicatorError                  indicators/errors.py      STIX/TAXII side
    │   ├── StoreError                  the object store refused or failed
    │   │   ├── NotFoundError           no such API root, collection, object, user
    │   │   ├── QueryError              indicators/store/query.py   a bad TAXII filter
    │   │   └── CursorError             indicators/store/cursor.py  a forged or stale ``next``
    │   ├── AuthError                   bad credentials, or a role may not do this
    │   ├── StixValidationError         a STIX object failed validation (names its id)
    │   ├── PatternError                a STIX pattern is invalid (names the position)
    │   ├── TaxiiError                  indicators/taxii/errors.py  an HTTP error answer
    │   ├── MedallionDataError          indicators/medallion_import.py  a bad data file
    │   └── UntranslatableError         indicators/export/shape.py  no Suricata/Zeek form
    ├── ScenarioError                   scenarios/errors.py       a scenario is wrong
    │   └── ScenarioValidationError     scenarios/loader.py       every issue, FILE:LINE:COL
    └── RangeError                      range/errors.py           the exercise engine
        ├── UsageError                  range/errors.py           a bad CLI argument
        ├── ActionError                 range/errors.py           an invalid action (its field)
        ├── ReplayError                 range/errors.py           the event log does not replay
        └── BotError                    range/errors.py           a simulated CERT's call failed

The root lives here because ``indicators`` is the lowest layer: ``scenarios`` and
``range`` may import it, never the other way round.
"""

from __future__ import annotations


class GrapevineError(Exception):
    """Base of every error Grapevine raises on purpose (see the module docstring)."""


class IndicatorError(GrapevineError):
    """Base of the errors of the ``indicators`` package."""


class StoreError(IndicatorError):
    """The object store refused an operation or failed to carry it out."""


class NotFoundError(StoreError):
    """An API root, collection, object, status or user does not exist."""


class AuthError(IndicatorError):
    """Credentials are wrong, or the user's role does not allow the operation."""


class StixValidationError(IndicatorError):
    """A STIX object is invalid; ``object_id`` names it when it is known."""

    def __init__(self, message: str, object_id: str | None = None) -> None:
        super().__init__(f"{object_id}: {message}" if object_id else message)
        self.object_id = object_id
        self.reason = message


class PatternError(IndicatorError):
    """A STIX pattern is invalid; ``position`` is the 0-based character offset."""

    def __init__(self, message: str, pattern: str = "", position: int | None = None) -> None:
        where = f" at position {position}" if position is not None else ""
        super().__init__(f"{message}{where}" + (f": {pattern!r}" if pattern else ""))
        self.pattern = pattern
        self.position = position
        self.reason = message
