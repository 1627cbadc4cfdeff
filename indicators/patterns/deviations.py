"""Where stix2-matcher (3.0.0) answers differently from the STIX 2.1 specification.

Our :func:`indicators.matcher.match` follows the specification (STIX Version 2.1,
OASIS Standard, 10 June 2021, section 9 "STIX Patterning"; section numbers
below are that document's; the section names are the authoritative pointer) and
otherwise agrees with stix2-matcher. Each entry
names the case, what stix2-matcher does, what we do, and the section that decides.
The differential test (tests/indicators/test_matcher_differential.py) skips exactly
these cases, and tests/indicators/test_matcher_cases.py holds one example of each,
asserting that stix2-matcher still disagrees (so the list cannot go stale).

Known limitation shared with stix2-matcher: ``MATCHES`` is evaluated with Python's
``re`` module, not PCRE (§9.5 names PCRE). The common syntax is the same; PCRE-only
constructs (``\\z``, ``\\h``, ``(?|...)``, recursion) are rejected at compile time
as invalid regexes or behave as in Python.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Deviation:
    """One documented difference from stix2-matcher."""

    key: str
    section: str
    reference_does: str
    we_do: str


DEVIATIONS: tuple[Deviation, ...] = (
    Deviation(
        "ipv6-cidr",
        "§9.5 Comparison Operators (ISSUBSET/ISSUPERSET: IPv4 and IPv6 CIDR)",
        "raises MatcherException 'Invalid IPv4 address' for any IPv6 address or CIDR",
        "compares IPv6 addresses and CIDRs; an IPv4 value never lies in an IPv6 CIDR",
    ),
    Deviation(
        "cidr-non-address",
        "§9.5 (a comparison whose operand is not of the operator's type is false)",
        "raises MatcherException when ISSUBSET/ISSUPERSET meets a value that is not an "
        "IPv4 address (e.g. a domain name in the same property)",
        "the comparison is false (NOT makes it true)",
    ),
    Deviation(
        "cidr-zero-prefix",
        "§9.5 ISSUBSET (any CIDR block; /0 is a valid prefix)",
        "raises MatcherException 'Invalid CIDR subnet' for a /0 block",
        "'0.0.0.0/0' contains every IPv4 address, '::/0' every IPv6 address",
    ),
    Deviation(
        "superset-plain-address",
        "§9.5 ISSUPERSET (an address is the block of itself: /32, /128)",
        "raises MatcherException 'Invalid CIDR subnet' when the property value is a "
        "plain address rather than a CIDR block",
        "a plain address is its own one-address block, so a.b.c.d ISSUPERSET a.b.c.d",
    ),
    Deviation(
        "ipv4-shorthand",
        "§6.8 ipv4-addr (value is an address in dotted-decimal or CIDR notation)",
        "accepts inet_aton shorthands ('10.1', '0x0a000001') as addresses",
        "only dotted-decimal (and CIDR) values are addresses; others are not comparable",
    ),
    Deviation(
        "like-newline",
        "§9.5 LIKE (SQL LIKE: % is any sequence of zero or more characters)",
        "translates % to '.*' without DOTALL and anchors with '$', so % does not cross a "
        "newline and a trailing newline is ignored",
        "% matches any characters including newlines; the whole value must match",
    ),
    Deviation(
        "in-bool-int",
        "§9.5 IN (equal to one of the set's values) with §9.3 type rules (booleans "
        "compare only with booleans)",
        "uses Python set membership, so true IN (1) and false IN (0) hold",
        "IN holds exactly when = holds for one member",
    ),
    Deviation(
        "in-binary-string",
        "§9.5 IN and §9.3 (binary compares with a string whose code points are < 256)",
        "uses Python set membership, so a *_hex/*_bin value is never IN a set of strings "
        "(while = with the same string holds)",
        "IN holds exactly when = holds for one member",
    ),
    Deviation(
        "null-property",
        "§3 General Concepts (property values must not be null; null is taken as absent)",
        "treats a null value as present: != and NOT comparisons on it are true",
        "a null property is absent: no comparison on it is true",
    ),
    Deviation(
        "timestamp-non-timestamp",
        "§9.5 (operands of incompatible types: the comparison is false)",
        "raises MatcherException when a t'...' literal meets a string that is not a timestamp",
        "the comparison is false",
    ),
    Deviation(
        "not-exists",
        "§9.5 EXISTS (and NOT EXISTS: the property is absent)",
        "has no EXISTS handler: a lone EXISTS works by accident, NOT EXISTS ignores the "
        "NOT, EXISTS combined with other comparisons can raise",
        "EXISTS and NOT EXISTS as specified, combinable with AND/OR",
    ),
    Deviation(
        "binary-text-operators",
        "§9.5 LIKE/MATCHES with §9.3 (binary values compare as their bytes, code points < 256)",
        "decodes binary values as UTF-8 for LIKE and raises UnicodeDecodeError on non-UTF-8 bytes",
        "reads binary values as Latin-1 (byte = code point), never raises",
    ),
)
"""Every documented deviation, by key."""

BY_KEY = {d.key: d for d in DEVIATIONS}
