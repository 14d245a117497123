"""English texts of the learning pages (keyed by the Danish text) and labels of learning codes."""
from __future__ import annotations

from uth.i18n import current_language

CODE_LABELS = {
    "draft": ("Kladde", "Draft"), "published": ("Offentliggjort", "Published"), "retracted": ("Trukket tilbage", "Retracted"),
    "title": ("Overskrift", "Title"), "summary": ("Opsummering", "Summary"),
    "learning_points": ("Læringspunkter", "Learning points"), "recommendations": ("Anbefalinger", "Recommendations"),
    "name": ("navn", "name"), "cpr": ("CPR-nummer", "CPR number"), "phone": ("telefonnummer", "phone number"),
    "email": ("e-mail", "e-mail"),
}


def code_label(code: str) -> str:
    """A status, field or finding kind of the learning feature in the current language."""
    da, en = CODE_LABELS.get(code, (code, code))
    return en if current_language() == "en" else da
