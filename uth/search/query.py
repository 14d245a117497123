"""The one parser of the user's search syntax, into a small tree every backend compiles.

Syntax: words (all must match), "phrases", OR, NOT word / -word, prefix*, (parentheses).
Anything else is read leniently: punctuation separates words, unbalanced quotes and
parentheses are closed, stray operators are dropped. What cannot be searched raises
QuerySyntaxError with a message for the user.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from uth.i18n import N_, message

from .analysis import strip_control, words
from .backend import QuerySyntaxError

MAX_QUERY_CHARS = 500
MAX_TERMS = 32
MAX_DEPTH = 8
MIN_PREFIX_CHARS = 2

NEED_A_WORD = N_("Søgningen skal indeholde mindst ét ord")


@dataclass(frozen=True)
class Term:
    """A folded word; with prefix=True it matches every word starting with it."""

    text: str
    prefix: bool = False


@dataclass(frozen=True)
class Phrase:
    """Folded words that must appear in this order, next to each other."""

    words: tuple[str, ...]


@dataclass(frozen=True)
class And:
    items: tuple["Node", ...]


@dataclass(frozen=True)
class Or:
    items: tuple["Node", ...]


@dataclass(frozen=True)
class Not:
    item: "Node"


Node = Union[Term, Phrase, And, Or, Not]

# Token kinds
_WORD, _PHRASE, _OR, _NOT, _OPEN, _CLOSE = "word", "phrase", "or", "not", "(", ")"
_SPECIAL = '"()'


def parse(text: str) -> Node:
    """Parse a user query; raise QuerySyntaxError for what cannot be searched."""
    if len(text) > MAX_QUERY_CHARS:
        raise QuerySyntaxError(message("Søgningen er for lang (højst %(max)s tegn)", max=MAX_QUERY_CHARS))
    parser = _Parser(_tokens(strip_control(text).replace("\t", " ")))
    node = parser.parse_or(0)
    while parser.peek() is not None:  # only stray ")" can stop the top level early
        parser.pos += 1
        more = parser.parse_or(0)
        node = _and([node, more])
    if node is None:
        raise QuerySyntaxError(message(NEED_A_WORD))
    _check(node)
    return node


def leaves(node: Node, *, positive: bool = True) -> list[Term | Phrase]:
    """The terms and phrases a document must (or, with positive=False, may not) contain."""
    if isinstance(node, (Term, Phrase)):
        return [node] if positive else []
    if isinstance(node, Not):
        return leaves(node.item, positive=not positive)
    return [leaf for item in node.items for leaf in leaves(item, positive=positive)]


def _tokens(text: str) -> list[tuple[str, str]]:
    """Split into words, phrases, operators and parentheses; drop unmatched ")"."""
    out: list[tuple[str, str]] = []
    depth, i, n = 0, 0, len(text)
    while i < n:
        char = text[i]
        if char.isspace():
            i += 1
        elif char == '"':
            end = text.find('"', i + 1)
            end = n if end < 0 else end
            out.append((_PHRASE, text[i + 1 : end]))
            i = end + 1
        elif char == "(":
            depth += 1
            out.append((_OPEN, char))
            i += 1
        elif char == ")":
            if depth:
                depth -= 1
                out.append((_CLOSE, char))
            i += 1
        else:
            start = i
            while i < n and not text[i].isspace() and text[i] not in _SPECIAL:
                i += 1
            out.extend(_word_tokens(text[start:i], followed_by_group=i < n and text[i] in '"('))
    return out


def _word_tokens(run: str, *, followed_by_group: bool) -> list[tuple[str, str]]:
    """A run of non-space characters: an operator, a negated word, or a word."""
    if run in ("OR", "|", "||"):
        return [(_OR, run)]
    if run in ("NOT", "!"):
        return [(_NOT, run)]
    if run in ("AND", "&", "&&", "+"):
        return []
    stripped = run.lstrip("-!")
    if stripped != run:
        if stripped:
            return [(_NOT, "-"), *_word_tokens(stripped, followed_by_group=followed_by_group)]
        return [(_NOT, "-")] if followed_by_group else []
    return [(_WORD, run.lstrip("+"))]


class _Parser:
    """Recursive descent: OR binds loosest, then the implicit AND, then NOT."""

    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos][0] if self.pos < len(self.tokens) else None

    def parse_or(self, depth: int) -> Node | None:
        items = [self.parse_and(depth)]
        while self.peek() == _OR:
            self.pos += 1
            items.append(self.parse_and(depth))
        found = [item for item in items if item is not None]
        if not found:
            return None
        return found[0] if len(found) == 1 else Or(tuple(_flatten(found, Or)))

    def parse_and(self, depth: int) -> Node | None:
        items: list[Node | None] = []
        while self.peek() not in (None, _OR, _CLOSE):
            items.append(self.parse_unary(depth))
        return _and(items)

    def parse_unary(self, depth: int) -> Node | None:
        if self.peek() == _NOT:
            self.pos += 1
            if self.peek() in (None, _OR, _CLOSE):
                return None  # a lone NOT at the end says nothing
            item = self.parse_unary(depth)
            if item is None:
                return None
            return item.item if isinstance(item, Not) else Not(item)
        return self.parse_primary(depth)

    def parse_primary(self, depth: int) -> Node | None:
        kind, value = self.tokens[self.pos]
        self.pos += 1
        if kind == _OPEN:
            if depth >= MAX_DEPTH:
                raise QuerySyntaxError(message("Søgningen har for mange parenteser inden i hinanden"))
            node = self.parse_or(depth + 1)
            if self.peek() == _CLOSE:
                self.pos += 1
            return node
        if kind == _PHRASE:
            return _phrase(words(value))
        prefix = value.endswith("*")
        parts = words(value)
        if prefix and len(parts) == 1:
            if len(parts[0]) < MIN_PREFIX_CHARS:
                raise QuerySyntaxError(message("Skriv mindst %(min)s bogstaver før *", min=MIN_PREFIX_CHARS))
            return Term(parts[0], prefix=True)
        return _phrase(parts)


def _phrase(parts: list[str]) -> Node | None:
    if not parts:
        return None
    return Term(parts[0]) if len(parts) == 1 else Phrase(tuple(parts))


def _and(items: list[Node | None]) -> Node | None:
    found = [item for item in items if item is not None]
    if not found:
        return None
    return found[0] if len(found) == 1 else And(tuple(_flatten(found, And)))


def _flatten(items: list[Node], cls: type) -> list[Node]:
    out: list[Node] = []
    for item in items:
        out.extend(item.items if isinstance(item, cls) else [item])
    return out


def _positive(node: Node) -> bool:
    """True when the node by itself selects documents (not only excludes them)."""
    if isinstance(node, (Term, Phrase)):
        return True
    if isinstance(node, Not):
        return False
    if isinstance(node, And):
        return any(_positive(item) for item in node.items)
    return all(_positive(item) for item in node.items)


def _check(node: Node) -> None:
    """Refuse searches that would list (almost) everything or cost too much."""
    if not _positive(node):
        raise QuerySyntaxError(message("Søgningen skal indeholde mindst ét ord uden NOT eller - foran"))
    size = sum(len(leaf.words) if isinstance(leaf, Phrase) else 1 for leaf in _all_leaves(node))
    if size > MAX_TERMS:
        raise QuerySyntaxError(message("Søgningen har for mange ord (højst %(max)s)", max=MAX_TERMS))
    _check_or(node)


def _check_or(node: Node) -> None:
    """Every side of an OR must select something: "a OR -b" would list nearly everything."""
    if isinstance(node, Not):
        _check_or(node.item)
    elif isinstance(node, (And, Or)):
        if isinstance(node, Or) and not all(_positive(item) for item in node.items):
            raise QuerySyntaxError(message("NOT og - kan ikke stå alene på den ene side af OR"))
        for item in node.items:
            _check_or(item)


def _all_leaves(node: Node) -> list[Term | Phrase]:
    return leaves(node) + leaves(node, positive=False)
