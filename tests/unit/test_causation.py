"""Tests for the RCA² causal-statement and team checks."""

from __future__ import annotations

import dataclasses

import pytest

from uth.rca.causation import CausationWarning, TeamWarning, check_causal_statement, check_team

# Long enough, neutral parts so only the part under test can trigger warnings.
EFFECT_DA = "patienten fik den tidligere ordinerede dosis"
EVENT_DA = "patienten fik en blødning under indlæggelsen"
EFFECT_EN = "the patient received the previous dose"
EVENT_EN = "the patient had a bleeding episode"


Pairs = list[tuple[int, str | None]]


def rules(cause: str, effect: str = EFFECT_DA, event: str = EVENT_DA) -> Pairs:
    """Return (rule, term) pairs, the shape most assertions want."""
    return [(w.rule, w.term) for w in check_causal_statement(cause, effect, event)]


def rules_en(cause: str, effect: str = EFFECT_EN, event: str = EVENT_EN) -> Pairs:
    """Return (rule, term) pairs for an English statement."""
    return rules(cause, effect, event)


def test_clean_statements_give_no_warnings() -> None:
    assert rules("Fordi medicinlisten ikke var opdateret i FMK, blev den gamle dosis givet") == []
    assert rules_en("Because the medication list was not updated, the old dose was given") == []


# --- Rule 1 -----------------------------------------------------------------------------------


def test_rule1_missing_and_short_parts() -> None:
    warnings = check_causal_statement("", "for kort", "   ")
    assert [(w.rule, w.code, w.term) for w in warnings] == [
        (1, "cause_missing", None),
        (1, "effect_too_short", None),
        (1, "event_missing", None),
    ]
    assert warnings[0].message_da.startswith("Regel 1:") and "årsagen" in warnings[0].message_da
    assert warnings[0].message_en.startswith("Rule 1:") and "cause" in warnings[0].message_en


def test_rule1_three_words_are_enough() -> None:
    assert rules("travlhed på afdelingen", "dosis blev udeladt", "patienten fik smerter") == []


def test_rule1_punctuation_is_not_words() -> None:
    assert [w.code for w in check_causal_statement("- - - ...", EFFECT_DA, EVENT_DA)] == [
        "cause_missing"
    ]


def test_rule1_none_is_treated_as_empty() -> None:
    warnings = check_causal_statement(None, EFFECT_DA, EVENT_DA)  # type: ignore[arg-type]
    assert [w.code for w in warnings] == ["cause_missing"]


# --- Rule 2 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cause", "term"),
    [
        ("dårlig kommunikation mellem afdelingerne", "dårlig"),
        ("Dårlig kommunikation mellem afdelingerne", "Dårlig"),
        ("kommunikationen var dårligt tilrettelagt", "dårligt"),
        ("dårlige arbejdsgange i modtagelsen", "dårlige"),
        ("en mangelfuld overlevering ved vagtskifte", "mangelfuld"),
        ("en mangelfuldt udfyldt tjekliste", "mangelfuldt"),
        ("utilstrækkelige instrukser på afsnittet", "utilstrækkelige"),
        ("en sjusket dokumentation i journalen", "sjusket"),
        ("sygeplejersken var uopmærksom under dispenseringen", "uopmærksom"),
        ("en slap holdning til dobbeltkontrol", "slap"),
        ("skødesløs håndtering af medicinen", "skødesløs"),
    ],
)
def test_rule2_danish_descriptors(cause: str, term: str) -> None:
    assert rules(cause) == [(2, term)]


@pytest.mark.parametrize(
    ("cause", "term"),
    [
        ("poor communication between wards", "poor"),
        ("the handover was poorly structured", "poorly"),
        ("inadequate staffing on the night shift", "inadequate"),
        ("careless handling of the infusion", "careless"),
        ("sloppy documentation in the chart", "sloppy"),
        ("a negligent nurse on the ward", "negligent"),
        ("improper storage of the vials", "improper"),
        ("bad labelling of the syringes", "bad"),
        ("the labels were BADLY printed", "BADLY"),
    ],
)
def test_rule2_english_descriptors(cause: str, term: str) -> None:
    assert rules_en(cause) == [(2, term)]


@pytest.mark.parametrize(
    "cause",
    [
        "Dårligdom hos patienten om natten øgede travlheden",  # whole words only
        "Patienten fik forkert dosis ved aftenmedicineringen",  # factual, not vague
        "Patienten bad om hjælp, men klokken virkede ikke",  # Danish "bad" = asked
        "Patienten skulle i bad før operationen i morges",  # Danish "bad" = bath
        "the poorest outcome came after badminton injuries",
        "Et sjuskefrit design blev taget i brug på afsnittet",
    ],
)
def test_rule2_false_positives(cause: str) -> None:
    assert [r for r, _ in rules(cause)] == []


def test_rule2_checks_effect_and_event_and_reports_each_term_once() -> None:
    found = rules(
        "dårlig overlevering på afsnittet",
        "dårlig og mangelfuld dokumentation i journalen",
        "patienten fik en utilstrækkelig behandling",
    )
    assert found == [(2, "dårlig"), (2, "mangelfuld"), (2, "utilstrækkelig")]


def test_rule2_message_names_the_term_in_both_languages() -> None:
    [warning] = check_causal_statement("sjusket overlevering på afsnittet", EFFECT_DA, EVENT_DA)
    assert warning.code == "negative_descriptor"
    assert '"sjusket"' in warning.message_da and '"sjusket"' in warning.message_en


# --- Rule 3 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cause", "term"),
    [
        ("Sygeplejersken glemte at give medicinen", "glemte"),
        ("Lægen overså allergien i journalen", "overså"),
        ("Sygeplejersken forvekslede de to præparater", "forvekslede"),
        ("Der skete en menneskelig fejl ved ordinationen", "fejl"),
        ("En tastefejl i medicinmodulet ved ordinationen", "tastefejl"),
        ("Lægen fejllæste ordinationen i journalen", "fejllæste"),
        ("The nurse forgot to give the medication", "forgot"),
        ("The physician overlooked the allergy", "overlooked"),
        ("The pharmacist misread the prescription", "misread"),
        ("A human error at the bedside", "human error"),
        ("The nurse made a mistake at the bedside", "mistake"),
    ],
)
def test_rule3_human_error_without_preceding_cause(cause: str, term: str) -> None:
    assert rules(cause) == [(3, term)]


@pytest.mark.parametrize(
    "cause",
    [
        "Fordi medicinlisten ikke var opdateret i FMK, overså sygeplejersken ændringen",
        "Sygeplejersken glemte medicinen, da hun blev kaldt til en akut patient",
        "På grund af støj i medicinrummet forvekslede sygeplejersken præparaterne",
        "Pga. ens emballage forvekslede sygeplejersken præparaterne",
        "Som følge af travlhed glemte sygeplejersken at give medicinen",
        "The nurse forgot the dose because she was called to an emergency",
        "Due to identical packaging the nurse misread the label",
        "As a result of alarm fatigue the nurse overlooked the alarm",
        "Since the list was outdated, the nurse made a mistake",
    ],
)
def test_rule3_preceding_cause_present(cause: str) -> None:
    assert [r for r, _ in rules(cause)] == []


@pytest.mark.parametrize(
    "cause",
    [
        "En teknisk fejl i infusionspumpen gav for høj hastighed",
        "Der opstod en teknisk fejl under opstarten af vagten",
        "Der opstod tekniske fejl under opstarten af vagten",
        "En IT-fejl i medicinmodulet slettede ordinationen",
        "Der var fejl i pumpen under infusionen af heparin",
        "Systemfejl i FMK gjorde medicinlisten utilgængelig",
        "Medicinen blev glemmebog-registreret i systemet",  # 'glem' inside a longer word
    ],
)
def test_rule3_technical_faults_and_substrings_are_not_human_errors(cause: str) -> None:
    assert [r for r, _ in rules(cause)] == []


def test_rule3_only_looks_at_the_cause() -> None:
    assert rules("travlhed på afsnittet om natten", "sygeplejersken glemte dosis", EVENT_DA) == []


# --- Rule 4 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cause", "term"),
    [
        ("Sygeplejersken fulgte ikke proceduren for dobbeltkontrol", "fulgte ikke proceduren"),
        ("Lægen fulgte ikke den gældende instruks", "fulgte ikke den gældende instruks"),
        ("Personalet overholdt ikke retningslinjen for faldforebyggelse", "overholdt ikke"),
        ("Der var brud på instruksen om identifikation", "brud på instruksen"),
        ("The nurse violated the double-check policy", "violated"),
        ("The nurse did not follow the procedure", "did not follow"),
        ("Staff failed to follow the protocol", "failed to follow"),
        ("Non-compliance with the hand hygiene guideline", "Non-compliance"),
    ],
)
def test_rule4_violation_without_preceding_cause(cause: str, term: str) -> None:
    assert rules(cause) == [(4, term)]


@pytest.mark.parametrize(
    "cause",
    [
        "Fordi instruksen var utilgængelig på nattevagt, fulgte sygeplejersken ikke proceduren",
        "Da scanneren var defekt, overholdt personalet ikke retningslinjen",
        "The nurse did not follow the procedure because the scanner was broken",
        "Due to a staffing gap the team failed to follow the protocol",
    ],
)
def test_rule4_violation_with_preceding_cause(cause: str) -> None:
    assert [r for r, _ in rules(cause)] == []


@pytest.mark.parametrize(
    "cause",
    [
        "Patienten pådrog sig brud på lårbenshalsen ved faldet",  # a fracture
        "Den nye sygeplejerske fulgte ikke med i tempoet på stuegang",  # did not keep up
    ],
)
def test_rule4_false_positives(cause: str) -> None:
    assert [r for r, _ in rules(cause)] == []


# --- Rule 5 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cause", "term"),
    [
        ("Sygeplejersken undlod at tjekke armbåndet", "undlod"),
        ("Blodsukkeret blev ikke målt om natten", "blev ikke"),
        ("Manglende handling ved stigende EWS-score", "Manglende handling"),
        ("The nurse failed to check the wristband", "failed to"),
        ("The doctor did not review the lab results", "did not"),
        ("Failure to escalate the rising early warning score", "Failure to"),
    ],
)
def test_rule5_omission_without_duty(cause: str, term: str) -> None:
    assert rules(cause) == [(5, term)]


@pytest.mark.parametrize(
    "cause",
    [
        "Sygeplejersken undlod at tjekke armbåndet, som hun ifølge instruksen skulle",
        "Blodsukkeret blev ikke målt, selvom det var et krav i behandlingsplanen",
        "Lægen var forpligtet til at se patienten men undlod det",
        "The nurse failed to check the wristband, which the policy requires",
        "The doctor was supposed to review the results but did not",
        "The nurse did not scan the wristband although scanning is required",
        "Staff must document it and did not",
        "Lægen havde pligt til at tilse patienten men undlod det",
    ],
)
def test_rule5_duty_present(cause: str) -> None:
    assert [r for r, _ in rules(cause)] == []


def test_rule5_does_not_double_report_a_violation() -> None:
    assert rules_en("The nurse did not follow the procedure") == [(4, "did not follow")]


def test_rules_combine_and_are_ordered() -> None:
    found = rules("sygeplejersken glemte det og undlod dårlig kontrol", "kort", EVENT_DA)
    assert found == [(1, None), (2, "dårlig"), (3, "glemte"), (5, "undlod")]


def test_warning_is_frozen_dataclass() -> None:
    [warning] = check_causal_statement("Sygeplejersken glemte medicinen", EFFECT_DA, EVENT_DA)
    assert isinstance(warning, CausationWarning)
    assert warning.code == "human_error_without_cause"
    assert warning.message_da.startswith("Regel 3:") and warning.message_en.startswith("Rule 3:")
    with pytest.raises(dataclasses.FrozenInstanceError):
        warning.rule = 1  # type: ignore[misc]


# --- Team -------------------------------------------------------------------------------------

GOOD_RCA2_TEAM = [
    ("Risikomanager", False),
    ("Overlæge, anden afdeling", False),
    ("Farmaceut", False),
    ("Patientrepræsentant", False),
    ("Sygeplejerske fra afsnittet", True),
]


def codes(method: str, members: list[tuple[str, bool]]) -> list[str]:
    """Return the warning codes for a team."""
    return [w.code for w in check_team(method, members)]


def test_good_rca2_team_has_no_warnings() -> None:
    assert check_team("rca2", GOOD_RCA2_TEAM) == []


def test_rca2_small_team() -> None:
    warnings = check_team("rca2", GOOD_RCA2_TEAM[:3])
    assert [w.code for w in warnings] == ["team_too_small", "no_patient_representative"]
    assert warnings[0].level == "warning" and "3" in warnings[0].message_da
    assert warnings[1].level == "advice"
    assert all(w.message_da and w.message_en for w in warnings)


def test_rca2_four_members_is_enough() -> None:
    assert codes("rca2", GOOD_RCA2_TEAM[:4]) == []


def test_mostly_involved_at_exactly_half() -> None:
    team = [("Risikomanager", False), ("Patient", False), ("Læge", True), ("Sygeplejerske", True)]
    assert codes("rca2", team) == ["team_mostly_involved"]
    assert codes("rca2", team[:1] + team[1:2] + team[2:3] + [("Farmaceut", False)]) == []


def test_other_methods_only_get_the_involved_warning() -> None:
    small = [("Sygeplejerske", True)]
    assert codes("kaa", small) == ["team_mostly_involved"]
    assert codes("event_analysis", [("Risikomanager", False)]) == []
    assert codes("aggregated", []) == []


def test_empty_rca2_team() -> None:
    assert codes("rca2", []) == ["team_too_small", "no_patient_representative"]


@pytest.mark.parametrize(
    "role",
    [
        "Patient",
        "patientrepræsentant",
        "Borgerrepræsentant",
        "Patient representative",
        "Pårørende",
        "patient-rep",
    ],
)
def test_patient_representative_roles(role: str) -> None:
    team = GOOD_RCA2_TEAM[:3] + [("Fysioterapeut", False), (role, False)]
    assert codes("rca2", team) == []


@pytest.mark.parametrize("role", ["Patientsikkerhedskonsulent", "Patientansvarlig læge", ""])
def test_staff_roles_starting_with_patient_are_not_representatives(role: str) -> None:
    team = GOOD_RCA2_TEAM[:3] + [("Fysioterapeut", False), (role, False)]
    assert codes("rca2", team) == ["no_patient_representative"]


def test_team_warning_is_frozen() -> None:
    [warning] = check_team("kaa", [("Læge", True)])
    assert isinstance(warning, TeamWarning)
    assert "1 af 1" in warning.message_da and "1 of 1" in warning.message_en
    with pytest.raises(dataclasses.FrozenInstanceError):
        warning.code = "x"  # type: ignore[misc]
