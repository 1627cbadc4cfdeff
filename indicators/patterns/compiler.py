"""Compile a STIX 2.1 pattern: parse with stix2-patterns, build our node tree once.

:func:`compile_pattern` is the only way in. It turns stix2-patterns' ANTLR parse
tree into :mod:`indicators.patterns.ast` nodes, checks what the grammar does not
(literal values, set types, regexes, CIDRs, qualifier values, duplicate
qualifiers), and raises :class:`~indicators.errors.PatternError` with the 0-based
character position and a message a person can act on.
"""

from __future__ import annotations

import re
from datetime import datetime

import antlr4
from antlr4.error.Errors import ParseCancellationException
from stix2patterns.exceptions import ParserErrorListener
from stix2patterns.v21.grammars.STIXPatternLexer import STIXPatternLexer
from stix2patterns.v21.grammars.STIXPatternParser import STIXPatternParser as P

from indicators.errors import PatternError
from indicators.patterns.ast import (
    CompAnd,
    Comparison,
    CompNode,
    CompOr,
    FollowedBy,
    ObsAnd,
    ObservationLeaf,
    ObsNode,
    ObsOr,
    Repeats,
    StartStop,
    Within,
)
from indicators.patterns.literals import (
    Literal,
    decode_base64,
    decode_hex,
    parse_timestamp,
    type_name,
    unescape_string,
)
from indicators.patterns.paths import ANY_INDEX, ObjectPath, Step
from indicators.patterns.predicates import parse_network

_LINE_COL = re.compile(r"^(\d+):(\d+): (.*)$", re.DOTALL)


def _offset(text: str, line: int, column: int) -> int:
    lines = text.split("\n")
    return sum(len(x) + 1 for x in lines[: max(line - 1, 0)]) + column


def parse(text: str) -> P.PatternContext:
    """Parse ``text`` with the STIX 2.1 grammar; :class:`PatternError` if it is not one."""
    if not isinstance(text, str):
        raise PatternError(f"a pattern must be a string, not {type(text).__name__}")
    if not text.strip():
        raise PatternError("the pattern is empty", text, 0)
    lexer = STIXPatternLexer(antlr4.InputStream(text))
    lexer.removeErrorListeners()
    listener = ParserErrorListener()
    lexer.addErrorListener(listener)
    parser = P(antlr4.CommonTokenStream(lexer))
    parser.removeErrorListeners()
    parser.addErrorListener(listener)
    parser._errHandler = antlr4.BailErrorStrategy()
    for i, name in enumerate(parser.literalNames):
        if name == "<INVALID>" and i < len(parser.symbolicNames):
            parser.literalNames[i] = parser.symbolicNames[i]
    try:
        return parser.pattern()
    except ParseCancellationException as exc:
        real = exc.args[0] if exc.args else None
        if real is not None:
            parser._errHandler.reportError(parser, real)
        message = getattr(listener, "error_message", "syntax error")
        m = _LINE_COL.match(message)
        if m is None:
            raise PatternError(f"syntax error: {message}", text) from None
        line, col, msg = int(m.group(1)), int(m.group(2)), m.group(3)
        raise PatternError(_explain(msg), text, _offset(text, line, col)) from None


def _explain(msg: str) -> str:
    """Make ANTLR's wording a little more useful to a person writing a pattern."""
    hint = ""
    if "EXISTS" in msg:
        hint = " (EXISTS comes before the path: [EXISTS file:name])"
    elif "expecting ']'" in msg or "'<EOF>'" in msg:
        hint = " (is a closing ']' or ')' missing?)"
    elif "no viable alternative" in msg:
        hint = (
            " (check the operator, the quoting of strings, t'...' timestamps and"
            " h'...' (pairs of hex digits) / b'...' (padded base64) binary literals)"
        )
    return f"syntax error: {msg}{hint}"


class _Builder:
    """Walks the parse tree and builds ast nodes (one per pattern)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.leaves = 0

    def fail(self, message: str, ctx: object) -> PatternError:
        start = getattr(ctx, "start", None) or getattr(ctx, "symbol", None)
        pos = getattr(start, "start", None)
        return PatternError(message, self.text, pos)

    # -- observation expressions -------------------------------------------------
    def observations(self, ctx: P.ObservationExpressionsContext) -> ObsNode:
        subs = ctx.observationExpressions()
        if subs:
            return FollowedBy(self.observations(subs[0]), self.observations(subs[1]))
        return self.obs_or(ctx.observationExpressionOr())

    def obs_or(self, ctx: P.ObservationExpressionOrContext) -> ObsNode:
        subs = ctx.observationExpressionOr()
        if subs:
            return ObsOr(self.obs_or(subs[0]), self.obs_or(subs[1]))
        return self.obs_and(ctx.observationExpressionAnd())

    def obs_and(self, ctx: P.ObservationExpressionAndContext) -> ObsNode:
        subs = ctx.observationExpressionAnd()
        if subs:
            return ObsAnd(self.obs_and(subs[0]), self.obs_and(subs[1]))
        return self.obs(ctx.observationExpression())

    def obs(self, ctx: P.ObservationExpressionContext) -> ObsNode:
        if isinstance(ctx, P.ObservationExpressionSimpleContext):
            index = self.leaves
            self.leaves += 1
            expr = self.comparison(ctx.comparisonExpression())
            return ObservationLeaf(index, expr, ctx.start.start)
        if isinstance(ctx, P.ObservationExpressionCompoundContext):
            return self.observations(ctx.observationExpressions())
        self._check_duplicate_qualifiers(ctx)
        child = self.obs(ctx.observationExpression())
        if isinstance(ctx, P.ObservationExpressionWithinContext):
            q = ctx.withinQualifier()
            tok = q.FloatPosLiteral() or q.IntPosLiteral()
            seconds = float(tok.getText())
            if seconds <= 0:
                raise self.fail("WITHIN needs a number of seconds greater than 0", tok)
            return Within(child, seconds)
        if isinstance(ctx, P.ObservationExpressionRepeatedContext):
            tok = ctx.repeatedQualifier().IntPosLiteral()
            times = int(tok.getText())
            if times < 1:
                raise self.fail("REPEATS needs a count of at least 1", tok)
            return Repeats(child, times)
        assert isinstance(ctx, P.ObservationExpressionStartStopContext)
        q = ctx.startStopQualifier()
        start, stop = (self.timestamp(q.TimestampLiteral(i)) for i in (0, 1))
        return StartStop(child, start, stop)

    def _check_duplicate_qualifiers(self, ctx: P.ObservationExpressionContext) -> None:
        seen: set[type] = set()
        node = ctx
        while not isinstance(
            node, P.ObservationExpressionSimpleContext | P.ObservationExpressionCompoundContext
        ):
            kind = type(node)
            if kind in seen:
                word = {
                    P.ObservationExpressionWithinContext: "WITHIN",
                    P.ObservationExpressionRepeatedContext: "REPEATS",
                    P.ObservationExpressionStartStopContext: "START/STOP",
                }[kind]
                raise self.fail(
                    f"{word} is applied twice to the same observation expression; "
                    "put the inner one in parentheses if that is what you mean",
                    node,
                )
            seen.add(kind)
            node = node.observationExpression()

    # -- comparison expressions --------------------------------------------------
    def comparison(self, ctx: P.ComparisonExpressionContext) -> CompNode:
        subs = ctx.comparisonExpression()
        if subs:
            return _flatten(CompOr, [self.comparison(subs[0]), self.comparison(subs[1])])
        return self.comparison_and(ctx.comparisonExpressionAnd())

    def comparison_and(self, ctx: P.ComparisonExpressionAndContext) -> CompNode:
        subs = ctx.comparisonExpressionAnd()
        if subs:
            return _flatten(CompAnd, [self.comparison_and(subs[0]), self.comparison_and(subs[1])])
        return self.prop_test(ctx.propTest())

    def prop_test(self, ctx: P.PropTestContext) -> CompNode:
        if isinstance(ctx, P.PropTestParenContext):
            return self.comparison(ctx.comparisonExpression())
        pos = ctx.start.start
        negated = ctx.NOT() is not None
        path = self.path(ctx.objectPath())
        value: Literal | tuple[Literal, ...] | None
        if isinstance(ctx, P.PropTestEqualContext):
            op = "=" if ctx.EQ() is not None else "!="
            value = self.literal(ctx.primitiveLiteral())
        elif isinstance(ctx, P.PropTestOrderContext):
            if ctx.LT() is not None:
                op = "<"
            elif ctx.LE() is not None:
                op = "<="
            elif ctx.GT() is not None:
                op = ">"
            else:
                op = ">="
            value = self.literal(ctx.orderableLiteral())
        elif isinstance(ctx, P.PropTestSetContext):
            op = "IN"
            value = self.set_literal(ctx.setLiteral())
        elif isinstance(ctx, P.PropTestLikeContext):
            op = "LIKE"
            value = unescape_string(ctx.StringLiteral().getText())
        elif isinstance(ctx, P.PropTestRegexContext):
            op = "MATCHES"
            value = unescape_string(ctx.StringLiteral().getText())
            try:
                re.compile(value)
            except re.error as exc:
                raise self.fail(
                    f"MATCHES has an invalid regular expression: {exc}", ctx.StringLiteral()
                ) from None
        elif isinstance(ctx, P.PropTestIsSubsetContext | P.PropTestIsSupersetContext):
            op = "ISSUBSET" if isinstance(ctx, P.PropTestIsSubsetContext) else "ISSUPERSET"
            value = unescape_string(ctx.StringLiteral().getText())
            if parse_network(value) is None:
                raise self.fail(
                    f"{op} needs an IPv4 or IPv6 address or CIDR such as '198.51.100.0/24', "
                    f"got {value!r}",
                    ctx.StringLiteral(),
                )
        else:
            assert isinstance(ctx, P.PropTestExistsContext)
            op, value = "EXISTS", None
        return Comparison(path.object_type, path.steps, op, negated, value, pos)

    def path(self, ctx: P.ObjectPathContext) -> ObjectPath:
        type_ctx = ctx.objectType()
        object_type = type_ctx.getText()
        first = ctx.firstPathComponent()
        steps: list[Step] = [self.key(first)]
        comp = ctx.objectPathComponent()
        if comp is not None:
            self._components(comp, steps)
        return ObjectPath(object_type, tuple(steps))

    def key(self, ctx: P.FirstPathComponentContext | P.KeyPathStepContext) -> str:
        ident = ctx.IdentifierWithoutHyphen()
        if ident is not None:
            return ident.getText()
        return unescape_string(ctx.StringLiteral().getText())

    def _components(self, ctx: P.ObjectPathComponentContext, steps: list[Step]) -> None:
        if isinstance(ctx, P.PathStepContext):
            for sub in ctx.objectPathComponent():
                self._components(sub, steps)
        elif isinstance(ctx, P.KeyPathStepContext):
            steps.append(self.key(ctx))
        else:
            assert isinstance(ctx, P.IndexPathStepContext)
            if ctx.ASTERISK() is not None:
                steps.append(ANY_INDEX)
            else:
                steps.append(int((ctx.IntPosLiteral() or ctx.IntNegLiteral()).getText()))

    # -- literals ----------------------------------------------------------------
    def timestamp(self, tok: antlr4.TerminalNode) -> datetime:
        text = tok.getText()
        try:
            return parse_timestamp(text[2:-1])
        except ValueError:
            raise self.fail(
                f"invalid timestamp {text}: write t'YYYY-MM-DDTHH:MM:SS[.s]Z' with a real date",
                tok,
            ) from None

    def literal(self, ctx: antlr4.ParserRuleContext) -> Literal:
        tok = ctx.getChild(0)
        while not isinstance(tok, antlr4.TerminalNode):
            tok = tok.getChild(0)
        kind, text = tok.getSymbol().type, tok.getText()
        try:
            if kind in (P.IntPosLiteral, P.IntNegLiteral):
                return int(text)
            if kind in (P.FloatPosLiteral, P.FloatNegLiteral):
                return float(text)
            if kind == P.StringLiteral:
                return unescape_string(text)
            if kind == P.BoolLiteral:
                return text.lower() == "true"
            if kind == P.HexLiteral:
                return decode_hex(text)
            if kind == P.BinaryLiteral:
                return decode_base64(text)
        except ValueError as exc:
            raise self.fail(str(exc), tok) from None
        if kind == P.TimestampLiteral:
            return self.timestamp(tok)
        raise self.fail(f"unsupported literal {text}", tok)

    def set_literal(self, ctx: P.SetLiteralContext) -> tuple[Literal, ...]:
        values = tuple(self.literal(c) for c in ctx.primitiveLiteral())
        kinds = {"number" if type_name(v) in ("integer", "float") else type_name(v) for v in values}
        if len(kinds) > 1:
            raise self.fail(
                "all values of an IN set must have the same type, found "
                + ", ".join(sorted(kinds)),
                ctx,
            )
        return values


def _flatten(kind: type[CompAnd] | type[CompOr], parts: list[CompNode]) -> CompNode:
    out: list[CompNode] = []
    for p in parts:
        out.extend(p.operands if isinstance(p, kind) else (p,))
    return kind(tuple(out))


def build(text: str) -> tuple[ObsNode, int]:
    """Parse and build; returns the root node and the number of leaves."""
    tree = parse(text)
    builder = _Builder(text)
    root = builder.observations(tree.observationExpressions())
    return root, builder.leaves
