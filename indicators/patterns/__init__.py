"""The STIX 2.1 pattern engine: compiler, evaluator, candidate index and validation.

``compile_pattern(text)`` parses with stix2-patterns and compiles the parse tree
once into our own node tree and closures; ``validate_pattern`` adds warnings for
patterns that are valid but can never match what a sensor sees. The modules:

==================  ===============================================================
``compiler``        parse tree -> node tree; ``PatternError`` with positions
``ast``             the node tree (comparisons, observation operators, qualifiers)
``literals``        literal values and the STIX type rules for comparing them
``paths``           object paths: selecting values, ``*_ref`` dereferencing
``predicates``      comparison operators compiled into closures
``observations``    observed-data (both STIX forms) as the matcher sees it
``bindings``        observation operators and qualifiers: the binding search
``compiled``        :class:`CompiledPattern`: all of the above for one pattern
``index``           hash and prefix indexes the streaming matcher uses
``validation``      :func:`validate_pattern` and :class:`PatternWarning`
``sensor_profile``  what a sensor produces (types, properties, value kinds)
``deviations``      where stix2-matcher differs from the specification, and why
==================  ===============================================================

:func:`indicators.matcher.match` (the stix2-matcher drop-in) and
:class:`indicators.streaming.StreamMatcher` (the sensor's matcher) are built on it.
"""

from indicators.patterns.ast import Comparison
from indicators.patterns.compiled import CompiledPattern, compile_pattern
from indicators.patterns.paths import ANY_INDEX, ObjectPath
from indicators.patterns.validation import PatternWarning, validate_pattern

__all__ = [
    "ANY_INDEX",
    "Comparison",
    "CompiledPattern",
    "ObjectPath",
    "PatternWarning",
    "compile_pattern",
    "validate_pattern",
]
