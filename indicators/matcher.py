"""``match()``: a drop-in for ``stix2matcher.matcher.match`` on STIX 2.1 input.

The pattern is compiled once (and cached) into our own evaluator; see
:mod:`indicators.patterns`. Where our answer differs from stix2-matcher's on
purpose, :mod:`indicators.patterns.deviations` lists the case and the section of
the STIX 2.1 specification that decides it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from indicators.errors import PatternError
from indicators.patterns import compile_pattern
from indicators.patterns.observations import observations_from


def match(
    pattern: str,
    observed_data: Iterable[Mapping[str, Any]],
    stix_version: str = "2.1",
) -> bool:
    """True if ``pattern`` matches the observations in ``observed_data``.

    ``observed_data`` takes what stix2-matcher takes for STIX 2.1: a list of
    bundles holding observed-data objects and the SCOs their ``object_refs`` name;
    it also accepts observed-data objects with an embedded ``objects`` dict (the
    STIX 2.0 form) and loose observed-data + SCOs. Raises
    :class:`~indicators.errors.PatternError` for an invalid pattern and
    :class:`~indicators.errors.StixValidationError` for an observed-data without
    valid times or ``number_observed``.
    """
    if stix_version not in ("2.1", "2.0"):
        raise PatternError(f"unsupported STIX version {stix_version!r}; use '2.1'")
    compiled = compile_pattern(pattern)
    return compiled.matches(observations_from(observed_data))
