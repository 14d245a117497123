"""`uth anonymise-check REFERENCE` prints a case's findings (SPEC §15)."""
from tests.anon_cases import PATIENT_CPR, PATIENT_NAME, personal_case, region


def test_prints_one_finding_per_line(app, runner):
    with app.app_context():
        users = region()
        reference = personal_case(users["nurse"], description=f"{PATIENT_NAME} fik forkert dosis, cpr {PATIENT_CPR}.").reference
    result = runner.invoke(args=["uth", "anonymise-check", reference])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    rows = [line.split("\t") for line in lines]
    assert [(r[1], r[2], r[3]) for r in rows] == [("description", "name", PATIENT_NAME), ("description", "cpr", PATIENT_CPR)]
    assert rows[0][0].startswith("name-")


def test_clean_case_says_no_findings(app, runner):
    with app.app_context():
        reference = personal_case(region()["nurse"]).reference
    result = runner.invoke(args=["uth", "anonymise-check", reference])
    assert result.exit_code == 0
    assert result.output.strip() == "no findings"


def test_unknown_reference_fails(app, runner):
    result = runner.invoke(args=["uth", "anonymise-check", "UTH-2026-999999"])
    assert result.exit_code != 0
    assert "unknown case" in result.output
