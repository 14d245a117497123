"""The search syntax parser on its own: what users type, and what hostile input becomes."""
from __future__ import annotations

import pytest

from uth.search.analysis import fold, index_text
from uth.search.backend import QuerySyntaxError
from uth.search.query import And, Not, Or, Phrase, Term, leaves, parse


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("fald", Term("fald")),
        ("Fald Udskrivelse", And((Term("fald"), Term("udskrivelse")))),
        ('"faldt på gangen"', Phrase(("faldt", "på", "gangen"))),
        ("fald OR medicin", Or((Term("fald"), Term("medicin")))),
        ("fald | medicin", Or((Term("fald"), Term("medicin")))),
        ("fald NOT gangen", And((Term("fald"), Not(Term("gangen"))))),
        ("fald -gangen", And((Term("fald"), Not(Term("gangen"))))),
        ('fald -"på gangen"', And((Term("fald"), Not(Phrase(("på", "gangen")))))),
        ("fald -(gangen OR badet)", And((Term("fald"), Not(Or((Term("gangen"), Term("badet"))))))),
        ("medicin*", Term("medicin", prefix=True)),
        ("a OR b c", Or((Term("a"), And((Term("b"), Term("c")))))),
        ("(a OR b) c", And((Or((Term("a"), Term("b"))), Term("c")))),
        ("fald AND gangen", And((Term("fald"), Term("gangen")))),
        ("fald NOT NOT gangen", And((Term("fald"), Term("gangen")))),
        ("covid-19", Phrase(("covid", "19"))),
        ("e-mail*", Phrase(("e", "mail"))),
        ("Café", Term("cafe")),
        ("Pårørende", Term("pårørende")),
        ("or not", And((Term("or"), Term("not")))),  # only upper-case words are operators
    ],
)
def test_parses_the_documented_syntax(text, tree):
    assert parse(text) == tree


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ('"faldt på gangen', Phrase(("faldt", "på", "gangen"))),  # unbalanced quote closes at the end
        ("((fald", Term("fald")),
        ("fald))", Term("fald")),
        ("OR fald OR", Term("fald")),
        ("fald NOT", Term("fald")),
        ("fald -", Term("fald")),
        ("title:fald^2", Phrase(("title", "fald", "2"))),
        ("[a TO z] {x}", And((Term("a"), Term("to"), Term("z"), Term("x")))),
        ("fald\x00\x1b", Term("fald")),
        ("fald*udskrivelse", Phrase(("fald", "udskrivelse"))),
        ("'; DROP TABLE x; --", And((Term("drop"), Term("table"), Term("x")))),
    ],
)
def test_reads_malformed_input_leniently(text, tree):
    assert parse(text) == tree


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "mindst ét ord"),
        ("   ", "mindst ét ord"),
        ("*", "mindst ét ord"),
        ('""', "mindst ét ord"),
        ("OR AND NOT", "mindst ét ord"),
        ("-fald", "mindst ét ord"),
        ("NOT fald -medicin", "mindst ét ord"),
        ("fald OR -medicin", "mindst ét ord"),
        ("fald (gangen OR -badet)", "OR"),
        ("f*", "2 bogstaver"),
        ("x" * 501, "for lang"),
        ("(" * 20 + "fald", "parenteser"),
        (" ".join(f"w{n}" for n in range(40)), "for mange ord"),
    ],
)
def test_refuses_what_cannot_be_searched(text, message):
    with pytest.raises(QuerySyntaxError, match=message):
        parse(text)


def test_a_query_of_exactly_the_limit_is_accepted():
    assert parse("a" * 500) == Term("a" * 500)


def test_leaves_tell_wanted_from_excluded_terms():
    tree = parse('fald medicin* -gangen -"på badet"')
    assert leaves(tree) == [Term("fald"), Term("medicin", prefix=True)]
    assert leaves(tree, positive=False) == [Term("gangen"), Phrase(("på", "badet"))]


def test_folding_keeps_danish_letters_and_strips_other_accents():
    assert fold("ÆØÅ æøå Café Über naïve Ångström") == "æøå æøå cafe uber naive ångstrom"
    assert fold("cafe\u0301") == "cafe"  # a decomposed é is composed, then folded
    assert index_text("Covid-19: e-mail x@y.dk; dosis 2,5 mg_dag") == "covid 19 e mail x y dk dosis 2 5 mg dag"
