"""Labels of the learning feature's codes (statuses, fields, finding kinds) and of months, as Danish
message ids."""
from __future__ import annotations

from uth import i18n
from uth.i18n import N_

CODE_LABELS = {
    "draft": N_("Kladde"), "published": N_("Offentliggjort"), "retracted": N_("Trukket tilbage"),
    "title": N_("Overskrift"), "summary": N_("Opsummering"),
    "learning_points": N_("Læringspunkter"), "recommendations": N_("Anbefalinger"),
    "name": N_("navn"), "cpr": N_("CPR-nummer"), "phone": N_("telefonnummer"), "email": N_("e-mail"),
}


def code_label(code: str) -> str:
    """A status, field or finding kind of the learning feature in the current language."""
    return i18n.code_label(CODE_LABELS, code)


MONTHS = (N_("januar"), N_("februar"), N_("marts"), N_("april"), N_("maj"), N_("juni"), N_("juli"), N_("august"),
          N_("september"), N_("oktober"), N_("november"), N_("december"))


def month_label(key: str, short: bool = False) -> str:
    """A statistics month key ("2026-08") as people say it: "august 2026" (short: "aug"); English "August 2026"."""
    year, _sep, month = key.partition("-")
    if not (year.isdigit() and month.isdigit() and 1 <= int(month) <= 12):
        return key
    name = i18n.gettext(MONTHS[int(month) - 1])
    return name[:3] if short else f"{name} {year}"
