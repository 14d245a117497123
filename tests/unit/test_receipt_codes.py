"""Receipt codes: unguessable (80 bits), readable on the phone, looked up case- and dash-insensitively."""
import re

from uth.reports.references import RECEIPT_ALPHABET, new_receipt_code, receipt_hash


def test_format_alphabet_and_spread():
    codes = [new_receipt_code() for _ in range(2000)]
    assert all(re.fullmatch(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){3}", c) for c in codes)
    assert len(set(codes)) == len(codes)
    used = {ch for c in codes for ch in c.replace("-", "")}
    assert used == set(RECEIPT_ALPHABET) and not used & set("01OI")


def test_hash_ignores_case_dashes_and_spaces():
    assert receipt_hash("K7QM-X2PA-9RTD-HW4C") == receipt_hash(" k7qm x2pa9rtd-hw4c ")
    assert receipt_hash("K7QM-X2PA-9RTD-HW4C") != receipt_hash("K7QM-X2PA-9RTD-HW4D")
