"""The STIX 2.1 pattern engine: compiler, evaluator and validation.

``compile_pattern(text)`` parses with stix2-patterns and compiles the parse tree
once into our own node tree (:mod:`~indicators.patterns.ast`) and closures
(:mod:`~indicators.patterns.predicates`); ``validate_pattern`` adds warnings for
patterns that are valid but can never match what a sensor sees.
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
