"""Text checks for RCA² causal statements and analysis teams (SPEC §9, DOMAIN §3).

A causal statement is cause -> effect -> event. The five rules of causation are checked where
plain text can check them; every result is a *warning* for the team, never a blocking error.
Danish and English are checked together. Decisions:

* Rule 2 does not list "forkert"/"wrong": "forkert dosis", "forkert patient" are factual event
  types (DPSD uses them), not vague judgements. English "bad" is only checked when the text does
  not look Danish, because Danish "bad" means "asked"/"bath". "slap" is checked although it is
  also the past tense of "slippe" (rare in causal statements).
* Rule 3 skips technical faults ("teknisk fejl", "it-fejl", "fejl i pumpen").
* Rules 3-5 look at the cause only (that is where a human error, violation or omission would be
  offered as a cause). A preceding cause or duty anywhere in the cause text satisfies the rule.
* "brud på" and "fulgte ikke" need a rule-like object (instruks, procedure, ...) because
  "brud på lårbenshalsen" is a fracture and "fulgte ikke med" means "did not keep up".
* Rule 5 ignores phrases already reported under rule 4 ("did not follow the procedure").
* The team check accepts roles naming a patient/citizen/relative representative ("Patient",
  "Patientrepræsentant", "borgerrepræsentant", "patient representative", "pårørende"), but not
  staff roles that merely start with "patient" ("Patientsikkerhedskonsulent").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "CausationWarning",
    "MIN_WORDS",
    "TeamWarning",
    "check_causal_statement",
    "check_team",
]

MIN_WORDS = 3
RCA2_MIN_TEAM = 4


@dataclass(frozen=True)
class CausationWarning:
    """One broken rule of causation, with the offending term where there is one."""

    rule: int
    code: str
    message_da: str
    message_en: str
    term: str | None


@dataclass(frozen=True)
class TeamWarning:
    """One remark on team composition; level is "warning" or the softer "advice"."""

    code: str
    level: str
    message_da: str
    message_en: str


def _words(*alternatives: str) -> re.Pattern[str]:
    """Compile whole-word, case-insensitive alternatives (Danish letters count as letters)."""
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


_WORD_RE = re.compile(r"\w+")

_NEGATIVE_RE = _words(
    r"sjusk(?:et|ede|e|eri)?|dårlig(?:t|e|ere|st|ste)?|mangelfuld(?:t|e)?|elendig(?:t|e)?",
    r"utilstrækkelig(?:t|e|hed)?|uopmærksom(?:t|me|hed)?|skødesløs(?:t|e|hed)?|slapt?",
    r"uansvarlig(?:t|e|hed)?|inkompetent(?:e)?",
    r"careless(?:ly|ness)?|poor(?:ly)?|inadequate(?:ly)?|sloppy|sloppily|sloppiness",
    r"negligent(?:ly)?|negligence|improper(?:ly)?|insufficient(?:ly)?|inattentive(?:ness)?",
    r"incompetent|incompetence|lazy|lax|badly",
)
_BAD_RE = _words(r"bad")
_DANISH_HINT_RE = re.compile(
    r"[æøå]|(?<!\w)(?:og|ikke|blev|var|til|af|med|det|den|der|som|hun|han|om|fik|ved)(?!\w)",
    re.IGNORECASE,
)
_ENGLISH_HINT_RE = _words(
    "the", "and", "was", "were", "not", "with", "of", "because", "this", "that", "she", "he", "had"
)

_HUMAN_ERROR_RE = re.compile(
    r"(?<![\w-])(?<!teknisk )(?<!tekniske )fejl(?:en|ene)?(?!\w)"
    r"(?! (?:i|på|ved) \w*(?:system|pumpe|udstyr|apparat|software|program|maskine|scanner))"
    r"|(?<!\w)(?:"
    r"(?:taste|regne|skrive|læse|aflæsnings|doserings|ordinations|medicinerings)fejl(?:en|ene)?"
    r"|fejl(?:læs|vurder|doser|tast|ordiner|registrer|aflæs)(?:te|et|ede|t)"
    r"|glem(?:te|mer|me|t)|overså|overse[rt]?|forveksl(?:ede|et|er|e|ing|ingen)"
    r"|misforstod|misforstået"
    r"|human error|user error|mistakes?|mistaken(?:ly)?|forgot(?:ten)?|forget(?:s|ting)?"
    r"|overlook(?:ed|s)?|misread(?:s|ing)?|misjudg(?:ed|es|ment)|misinterpret(?:ed|s)?"
    r")(?!\w)",
    re.IGNORECASE,
)
_PRECEDING_CAUSE_RE = _words(
    r"fordi|da|idet|eftersom|grundet|skyld(?:es|tes)|pga\.?|p\.g\.a\.?|på grund af",
    r"som følge af|som konsekvens af|på baggrund af|forårsaget af",
    r"because|due to|as a result of|as a consequence of|since|owing to|caused by|given that",
)

_RULES_OBJECT = (
    r"(?:\w+ ){0,2}(?:procedure|instruks|retningslinje|vejledning|arbejdsgang|reg(?:el|l)|rutine"
    r"|tjekliste|praksis|politik)\w*"
)
_VIOLATION_RE = _words(
    r"fulgte ikke " + _RULES_OBJECT,
    r"ikke (?:blev )?fulgte? " + _RULES_OBJECT,
    r"overholdt ikke|ikke (?:blev |var )?overholdt|regelbrud",
    r"overtrådte|overtrædelse af|tilsidesatte|tilsidesættelse af",
    r"brud på " + _RULES_OBJECT,
    r"afveg fra " + _RULES_OBJECT,
    r"violat(?:ed|es|ing|ion|ions)|non-?complian(?:ce|t)|deviated from|disregarded",
    r"(?:did not|didn't|failed to|failure to) (?:follow|comply|adhere)",
)
_OMISSION_RE = _words(
    r"undl(?:od|ader|ade|adelse)|manglende handling|blev ikke|ikke blev",
    r"failure to|failed to|did not|didn't|omitted to|neglected to",
)
_DUTY_RE = _words(
    r"skulle|\w*pligt\w*|krav\w*|påkrævet|obligatorisk",
    r"(?:ifølge|jf\.) (?:\w+ )?(?:instruks|procedure|retningslinje|vejledning)\w*",
    r"required|requires|requirement|(?:was|were|is|are) supposed to|duty|must|expected to",
    r"obliged|obligated|obligation|mandatory",
    r"according to (?:the )?(?:\w+ )?(?:policy|procedure|protocol|guideline)",
)
_PATIENT_REP_RE = _words(
    r"(?:patient|borger|pårørende)(?:repræsentant\w*|[ -]?representative|[ -]?rep\.?)?",
    r"(?:patient|citizen|family) (?:advocate|partner)",
)

_PARTS_DA = {"cause": "årsagen", "effect": "virkningen", "event": "hændelsen"}


def _looks_danish(text: str) -> bool:
    """Guess the language so words that differ between Danish and English are judged rightly."""
    return len(_DANISH_HINT_RE.findall(text)) > len(_ENGLISH_HINT_RE.findall(text))


def _warning(rule: int, code: str, da: str, en: str, term: str | None) -> CausationWarning:
    """Build a warning with the rule number in front of both messages."""
    return CausationWarning(rule, code, f"Regel {rule}: {da}", f"Rule {rule}: {en}", term)


def _unique(terms: list[str]) -> list[str]:
    """Drop repeated terms (case-insensitively) so each is reported once."""
    seen: set[str] = set()
    return [t for t in terms if not (t.casefold() in seen or seen.add(t.casefold()))]


def _rule1(parts: dict[str, str]) -> list[CausationWarning]:
    """Rule 1: each of cause, effect and event must actually be described."""
    warnings = []
    for part, text in parts.items():
        count = len(_WORD_RE.findall(text))
        if count == 0:
            code, da, en = f"{part}_missing", "mangler", "is missing"
        elif count < MIN_WORDS:
            code, da, en = f"{part}_too_short", "er for kort", "is too short"
        else:
            continue
        warnings.append(
            _warning(
                1,
                code,
                f"Beskrivelsen af {_PARTS_DA[part]} {da}. Vis tydeligt årsag og virkning.",
                f"The {part} {en}. Show cause and effect clearly.",
                None,
            )
        )
    return warnings


def _rule2(parts: dict[str, str]) -> list[CausationWarning]:
    """Rule 2: no negative or vague descriptors in any part."""
    terms = [m.group() for text in parts.values() for m in _NEGATIVE_RE.finditer(text)]
    if not _looks_danish(" ".join(parts.values())):
        terms += [m.group() for text in parts.values() for m in _BAD_RE.finditer(text)]
    return [
        _warning(
            2,
            "negative_descriptor",
            f'Undgå negative eller vage beskrivelser som "{t}". Beskriv konkret, hvad der skete.',
            f'Avoid negative or vague descriptors such as "{t}". Describe what happened.',
            t,
        )
        for t in _unique(terms)
    ]


def check_causal_statement(cause: str, effect: str, event: str) -> list[CausationWarning]:
    """Check one causal statement against the five rules of causation (warnings only)."""
    parts = {"cause": cause or "", "effect": effect or "", "event": event or ""}
    warnings = _rule1(parts) + _rule2(parts)
    text = parts["cause"]
    explained = bool(_PRECEDING_CAUSE_RE.search(text))
    violations = list(_VIOLATION_RE.finditer(text))
    errors = [] if explained else [m.group() for m in _HUMAN_ERROR_RE.finditer(text)]
    for t in _unique(errors):
        warnings.append(
            _warning(
                3,
                "human_error_without_cause",
                f'"{t}" er en menneskelig fejl. Beskriv hvad der gik forud og førte til den '
                "(fx fordi ..., på grund af ...).",
                f'"{t}" is a human error. Describe the preceding cause that led to it '
                "(e.g. because ..., due to ...).",
                t,
            )
        )
    for t in _unique([] if explained else [m.group() for m in violations]):
        warnings.append(
            _warning(
                4,
                "violation_as_root_cause",
                f'"{t}" er en afvigelse fra en procedure og ikke en kerneårsag. '
                "Beskriv hvorfor proceduren ikke blev fulgt.",
                f'"{t}" is a procedure violation, not a root cause. '
                "Describe why the procedure was not followed.",
                t,
            )
        )
    omissions = [
        m.group()
        for m in _OMISSION_RE.finditer(text)
        if not any(m.start() < v.end() and v.start() < m.end() for v in violations)
    ]
    for t in _unique([] if _DUTY_RE.search(text) else omissions):
        warnings.append(
            _warning(
                5,
                "omission_without_duty",
                f'"{t}" beskriver en manglende handling. Den er kun en årsag, hvis der var en '
                "pligt til at handle (fx en instruks der krævede det).",
                f'"{t}" describes a failure to act. It is only causal when there was a '
                "pre-existing duty to act (e.g. a policy that required it).",
                t,
            )
        )
    return warnings


def check_team(method: str, members: Sequence[tuple[str, bool]]) -> list[TeamWarning]:
    """Check an analysis team's composition; RCA² wants 4-6 uninvolved members and a patient."""
    size = len(members)
    involved = sum(1 for _, is_involved in members if is_involved)
    warnings = []
    if method == "rca2" and size < RCA2_MIN_TEAM:
        warnings.append(
            TeamWarning(
                "team_too_small",
                "warning",
                f"RCA² anbefaler mindst {RCA2_MIN_TEAM} medlemmer i teamet (nu {size}).",
                f"RCA² recommends at least {RCA2_MIN_TEAM} team members (now {size}).",
            )
        )
    if size and involved * 2 >= size:
        warnings.append(
            TeamWarning(
                "team_mostly_involved",
                "warning",
                f"{involved} af {size} medlemmer var involveret i hændelsen. Teamet bør "
                "overvejende bestå af ikke-involverede.",
                f"{involved} of {size} members were involved in the event. The team should "
                "mostly consist of uninvolved members.",
            )
        )
    if method == "rca2" and not any(_PATIENT_REP_RE.search(role or "") for role, _ in members):
        warnings.append(
            TeamWarning(
                "no_patient_representative",
                "advice",
                "Overvej at inddrage en patientrepræsentant i teamet.",
                "Consider including a patient representative in the team.",
            )
        )
    return warnings
