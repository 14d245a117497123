"""Tests for the personal-data scanner used before closing cases and publishing summaries."""

from __future__ import annotations

import dataclasses

import pytest

from uth.anonymisation.scanner import Finding, redact, scan, without_accepted


def kinds(text: str, names: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """Return (kind, text) pairs for one field, the shape most assertions want."""
    return [(f.kind, f.text) for f in scan({"t": text}, names)]


def texts(text: str, kind: str, names: tuple[str, ...] = ()) -> list[str]:
    """Return the matched texts of one kind."""
    return [f.text for f in scan({"t": text}, names) if f.kind == kind]


# --- CPR -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cpr",
    [
        "010345-1234",
        "0103451234",
        "010345 1234",
        "311299-4321",  # 31 December
        "290200-4123",  # 29 Feb 2000 (leap) with 7th digit 4 -> 2000
        "290200-1123",  # 7th digit 1 says 1900 (no leap); any-century rule still counts it
        "290204-1234",  # 29 Feb in a leap year
        "010100-0000",
        "150575-9999",  # fails modulus 11; still a CPR
    ],
)
def test_cpr_true_positives(cpr: str) -> None:
    assert kinds(f"Patient med CPR {cpr} blev indlagt.") == [("cpr", cpr)]


@pytest.mark.parametrize(
    "text",
    [
        "320145-1234",  # day 32
        "001245-1234",  # day 0
        "011345-1234",  # month 13
        "010045-1234",  # month 0
        "310445-1234",  # 31 April
        "290201-1234",  # 29 Feb, never a leap year
        "300200-1234",  # 30 Feb
        "10103451234",  # 11 digits
        "0103451234567",  # 13 digits
        "1-010345-1234",  # inside a longer dashed number
        "010345-1234-5",
        "010345-12345",
        "01034-51234",  # wrong grouping
    ],
)
def test_cpr_false_positives(text: str) -> None:
    assert texts(f"Nr. {text} i journalen", "cpr") == []


def test_cpr_at_text_edges_and_before_punctuation() -> None:
    assert texts("010345-1234", "cpr") == ["010345-1234"]
    assert texts("(CPR: 010345-1234).", "cpr") == ["010345-1234"]


def test_cpr_is_not_also_a_phone() -> None:
    # 0345 1234 would look like a 4+4 phone number if CPR did not win.
    assert kinds("CPR 220345 1234 noteret") == [("cpr", "220345 1234")]
    assert kinds("CPR 2203451234 noteret") == [("cpr", "2203451234")]


# --- Phone -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phone",
    [
        "22334455",
        "22 33 44 55",
        "2233 4455",
        "22-33-44-55",
        "22.33.44.55",
        "+45 22334455",
        "+4522334455",
        "0045 22 33 44 55",
        "004522334455",
        "(+45) 22 33 44 55",
        "+45 2233 4455",
        "99887766",
        "30 12 20 24",  # looks date-ish but is a spaced phone number
    ],
)
def test_phone_true_positives(phone: str) -> None:
    assert kinds(f"Pårørende kan kontaktes på {phone} hele dagen.") == [("phone", phone)]


def test_phone_at_text_edges() -> None:
    assert texts("22334455", "phone") == ["22334455"]
    assert texts("Tlf.:22334455.", "phone") == ["22334455"]
    assert texts("(tlf. 22 33 44 55)", "phone") == ["22 33 44 55"]


@pytest.mark.parametrize(
    "text",
    [
        "12345678",  # starts with 1
        "02345678",  # starts with 0
        "12 34 56 78",
        "12.03.2024",  # date
        "2024-03-12",  # ISO date
        "20240312",  # compact ISO date
        "25032024",  # compact Danish date
        "kl. 22.30",  # time
        "22:30-23:45",
        "1.234.567",  # amount
        "12.345.678 kr",
        "22.345.678 kr.",
        "22334455 kr",
        "kr. 22334455",
        "22334455,- kr",
        "22334455,50",
        "500 mg",
        "2500 mg",
        "22334455 mg",
        "223344556",  # nine digits
        "2233445566778",
        "2024",  # year
        "i 2023 og 2024",
        "UTH-2026-000123",  # reference numbers
        "UTH-22334455",
        "sag#22334455",
        "ABC22334455",
        "22334455X",
        "22-33-44-55-66",
        "25 30 35 40 45",  # a list of measurements, not one number
        "værdi 1,22334455",
        "2233-4455",  # unusual grouping is not accepted
    ],
)
def test_phone_false_positives(text: str) -> None:
    assert texts(f"Noteret {text} i forløbet", "phone") == []


def test_phone_number_of_date_shape_is_still_found_when_spaced() -> None:
    # The compact-date exclusion only applies to unseparated digits.
    assert texts("Ring 25 03 20 24", "phone") == ["25 03 20 24"]
    assert texts("Ring +45 25032024", "phone") == ["+45 25032024"]


# --- E-mail ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "email",
    [
        "karen@example.dk",
        "karen.oestergaard@regionh.dk",
        "søren.ærø@sundhed.dk",
        "k.m+uth@sub.domain.example.com",
        "first_last-99@kommune.dk",
        "JENS@RSYD.DK",
    ],
)
def test_email_true_positives(email: str) -> None:
    assert kinds(f"Skriv til {email}, tak.") == [("email", email)]


@pytest.mark.parametrize(
    "text",
    ["karen@", "@regionh.dk", "karen@localhost", "a@b.c", "skrevet @ afdelingen", "karen(at)rh.dk"],
)
def test_email_false_positives(text: str) -> None:
    assert texts(f"Se {text} her", "email") == []


def test_email_sentence_end_dot_not_included() -> None:
    assert texts("Mail: jens@rsyd.dk.", "email") == ["jens@rsyd.dk"]


def test_email_wins_over_name_and_digits_inside_it() -> None:
    found = kinds("Svar til karen.22334455@rh.dk", ("Karen Hansen",))
    assert found == [("email", "karen.22334455@rh.dk")]


# --- Names -----------------------------------------------------------------------------------

NAMES = ("Karen Marie Østergaard", "Jens Hansen-Berg", "Ib van Dyk")


def test_full_name_is_one_finding() -> None:
    assert kinds("Karen Marie Østergaard blev indlagt.", NAMES) == [
        ("name", "Karen Marie Østergaard")
    ]


def test_name_parts_next_to_each_other_are_one_finding() -> None:
    assert kinds("Karen Østergaard blev indlagt.", NAMES) == [("name", "Karen Østergaard")]


def test_full_name_with_particle_is_one_finding() -> None:
    assert kinds("Lægen Ib van Dyk ordinerede.", NAMES) == [("name", "Ib van Dyk")]


def test_separate_name_parts_are_separate_findings() -> None:
    assert texts("Karen sagde, at Østergaard var syg.", "name", NAMES) == ["Karen", "Østergaard"]


def test_names_on_separate_lines_stay_separate() -> None:
    assert texts("Karen\nØstergaard", "name", NAMES) == ["Karen", "Østergaard"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Østergaards datter ringede", "Østergaards"),
        ("Karens medicin", "Karens"),
        ("Jens' kone", "Jens'"),
        ("Jens’ kone", "Jens’"),
        ("Karen's medicin", "Karen's"),
        ("ØSTERGAARD", "ØSTERGAARD"),
        ("østergaard", "østergaard"),
        ("Hansen-Berg", "Hansen-Berg"),
        ("Hansen-Bergs søn", "Hansen-Bergs"),
        ("fru Berg", "Berg"),
        ("hr. Hansen", "Hansen"),
        ("Ib kom", "Ib"),
        ("Ibs bil", "Ibs"),
        ("Hansens", "Hansens"),
        ("Dyk", "Dyk"),
    ],
)
def test_name_inflections_and_parts(text: str, expected: str) -> None:
    assert texts(text, "name", NAMES) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "Ibrahim kom",  # Ib inside a longer word
        "Karenina",
        "Østergaardsvej",
        "Bergen",
        "Kåre",
        "den af van de la von",  # particles are never flagged on their own
        "Vandyk",
        "Jensen",
        "æIb",  # a Danish letter before is not a word boundary
        "Ibø",
        "Ib2",
    ],
)
def test_name_false_positives(text: str) -> None:
    assert texts(text, "name", NAMES) == []


def test_short_parts_and_initials_are_not_searched_alone() -> None:
    assert texts("M. og K. var der, og A", "name", ("Karen M. Østergaard", "A Bo")) == []


def test_full_name_with_initial_matches_with_or_without_dot() -> None:
    assert texts("Karen M. Østergaard kom", "name", ("Karen M. Østergaard",)) == [
        "Karen M. Østergaard"
    ]
    assert texts("Karen M Østergaard kom", "name", ("Karen M. Østergaard",)) == [
        "Karen M Østergaard"
    ]


def test_particles_in_name_list_are_ignored_even_if_capitalised() -> None:
    assert texts("Van kørte til De andre", "name", ("Jan Van De Berg",)) == []


def test_ordinary_word_equal_to_name_is_flagged_case_insensitively() -> None:
    # Decision: lowercase "mark" is flagged for a patient named Mark; the handler accepts it.
    assert texts("Mark faldt på en mark", "name", ("Mark Lund",)) == ["Mark", "mark"]


def test_common_function_words_only_flagged_when_capitalised() -> None:
    names = ("Hans Per Bo Max",)
    assert texts("hans mor, per døgn, bo hjemme, max 4 g", "name", names) == []
    assert texts("Hans kom. Så kom Per", "name", names) == ["Hans", "Per"]


def test_danish_letters_in_name_boundaries() -> None:
    found = texts("Åse og Ørsted og Ærø", "name", ("Åse Ørsted Ærø",))
    assert found == ["Åse", "Ørsted", "Ærø"]
    assert texts("Såse Ørstedø", "name", ("Åse Ørsted",)) == []


def test_name_regex_characters_are_escaped() -> None:
    assert texts("Mr. O'Brien (x) kom", "name", ("Sean O'Brien",)) == ["O'Brien"]
    assert texts("a.b+c", "name", ("a.b+c Xy",)) == ["a.b+c"]


def test_empty_and_blank_names_are_ignored() -> None:
    assert scan({"t": "Karen kom"}, ["", "   ", None]) == []  # type: ignore[list-item]


# --- Overlaps, ordering and ids ---------------------------------------------------------------


def test_findings_ordered_by_field_then_position() -> None:
    fields = {
        "what": "Ring 22334455 eller skriv karen@x.dk",
        "why": None,
        "consequence": "CPR 010345-1234 for Karen",
    }
    found = scan(fields, ["Karen Hansen"])
    assert [(f.field, f.kind) for f in found] == [
        ("what", "phone"),
        ("what", "email"),
        ("consequence", "cpr"),
        ("consequence", "name"),
    ]
    assert all(fields[f.field][f.start : f.end] == f.text for f in found)  # type: ignore[index]


def test_no_two_findings_overlap() -> None:
    text = "Karen Hansen 010345-1234 karen.hansen@x.dk +45 22 33 44 55 Hansens Karen"
    found = scan({"t": text}, ["Karen Hansen"])
    spans = sorted((f.start, f.end) for f in found)
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in zip(spans, spans[1:]))
    assert [f.kind for f in found] == ["name", "cpr", "email", "phone", "name"]


def test_none_and_empty_fields() -> None:
    assert scan({}) == []
    assert scan({"a": None, "b": "", "c": "Ingen personoplysninger her."}, ["Karen Hansen"]) == []


def test_finding_is_frozen() -> None:
    finding = scan({"t": "22334455"})[0]
    assert isinstance(finding, Finding)
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.text = "x"  # type: ignore[misc]


def test_ids_are_stable_across_rescans_and_edits_elsewhere() -> None:
    before = scan({"t": "Ring 22334455 om Karen"}, ["Karen Hansen"])
    after = scan({"t": "Patienten bad os: ring 22 33 44 55 om Karen i morgen."}, ["Karen Hansen"])
    assert [f.id for f in before] == [f.id for f in after]
    assert [f.start for f in before] != [f.start for f in after]


def test_ids_differ_by_field_kind_and_text() -> None:
    a = scan({"a": "22334455", "b": "22334455"})
    assert a[0].id != a[1].id
    assert scan({"a": "22334455"})[0].id != scan({"a": "22334466"})[0].id
    assert scan({"a": "karen"}, ["Karen"])[0].id == scan({"a": "KAREN"}, ["Karen"])[0].id


def test_id_format_and_occurrence_suffix() -> None:
    found = scan({"t": "mark, Mark og MARK"}, ["Mark"])
    base = found[0].id
    assert base.startswith("name-") and len(base) == len("name-") + 10
    assert [f.id for f in found] == [base, f"{base}-2", f"{base}-3"]


def test_first_occurrence_keeps_its_id_when_a_later_one_is_added() -> None:
    one = scan({"t": "Ring 22334455."})
    two = scan({"t": "Ring 22334455. Ellers 22334455."})
    assert two[0].id == one[0].id
    assert two[1].id == f"{one[0].id}-2"


def test_not_personal_acceptance_survives_rescan() -> None:
    """A handler accepts "mark" as not a name; after an edit only the real name remains."""
    first = scan({"t": "Patienten faldt på en mark."}, ["Mark Lund"])
    accepted = [f.id for f in first]
    edited = scan({"t": "Lund ringede. Patienten faldt på en mark."}, ["Mark Lund"])
    remaining = without_accepted(edited, accepted)
    assert [f.text for f in remaining] == ["Lund"]


# --- Redaction --------------------------------------------------------------------------------


def test_redact_replaces_every_kind() -> None:
    text = "Karen Hansen (010345-1234) ring 22 33 44 55 eller karen@x.dk. Hansens søn."
    found = scan({"t": text}, ["Karen Hansen"])
    assert redact(text, found) == "[NAVN] ([CPR]) ring [TELEFON] eller [EMAIL]. [NAVN] søn."
    assert scan({"t": redact(text, found)}, ["Karen Hansen"]) == []


def test_redact_skips_stale_and_overlapping_findings() -> None:
    text = "Ring 22334455"
    finding = scan({"t": text})[0]
    assert redact("Ring 99887766", [finding]) == "Ring 99887766"
    overlapping = dataclasses.replace(finding, id="x", start=5, end=9, text="2233")
    assert redact(text, [finding, overlapping]) == "Ring [TELEFON]"


def test_redact_without_findings_returns_text() -> None:
    assert redact("Intet her", []) == "Intet her"
