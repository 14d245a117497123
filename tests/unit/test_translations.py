"""Every Danish text wrapped in _() / gettext / ngettext / lazy_gettext / N_ in the code or a template
has an English translation in uth/translations/en/LC_MESSAGES/messages.po (extracted with Babel, as
`make messages` does); the catalog is well-formed and its placeholders match the Danish ones."""
from __future__ import annotations

import re
import shutil

from uth.translations import catalog as po

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def test_every_message_in_code_and_templates_has_english():
    missing = po.untranslated()
    assert not missing, (
        f"{len(missing)} message(s) without English in {po.po_path()} (run `make messages`, fill the msgstr; "
        "see /work/notes/I18N.md):\n" + "\n".join(f"  {text!r}" for text in missing))


def test_a_planted_message_without_english_is_named(tmp_path):
    shutil.copy(po.ROOT / "babel.cfg", tmp_path / "babel.cfg")
    (tmp_path / "uth").mkdir()
    (tmp_path / "templates").mkdir()
    (tmp_path / "uth" / "planted.py").write_text(
        'from uth.i18n import N_, _, lazy_gettext, ngettext\n'
        'A = lazy_gettext("Plantet konstant")\nB = N_("Plantet fejlbesked")\n'
        'def f(n):\n    return _("Log ind"), ngettext("%(num)s plantet sag", "%(num)s plantede sager", n)\n',
        encoding="utf-8")
    (tmp_path / "templates" / "planted.html").write_text('<p>{{ _("Plantet skabelontekst") }} {{ _("Log ud") }}</p>',
                                                          encoding="utf-8")
    missing = po.untranslated(root=tmp_path)
    assert missing == ["%(num)s plantet sag", "Plantet fejlbesked", "Plantet konstant", "Plantet skabelontekst"]


def test_english_keeps_the_placeholders_of_the_danish_text():
    wrong = [m.id for m in po.read() if m.id and m.string and not isinstance(m.id, tuple)
             and sorted(PLACEHOLDER.findall(m.id)) != sorted(PLACEHOLDER.findall(m.string))]
    assert not wrong, f"English with other placeholders than the Danish: {wrong}"


def test_the_catalog_is_written_as_make_messages_writes_it(tmp_path):
    """Sorted, without locations and unwrapped, so branches that add texts in parallel merge."""
    rewritten = tmp_path / "messages.po"
    po.write(po.read(), path=rewritten)
    assert rewritten.read_bytes() == po.po_path().read_bytes(), "messages.po is not as `make messages` writes it: run it"
