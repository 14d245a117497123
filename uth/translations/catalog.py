"""The English catalog: extract the Danish message ids, update messages.po, fill msgstr, compile.

    python -m uth.translations.catalog update          # `make messages`: extract code + templates, merge
    python -m uth.translations.catalog fill FILE.json  # fill empty msgstr from {"Danish": "English"}
                                                       # (or FILE.py with an `EN = {...}` dict)
    python -m uth.translations.catalog check           # list the message ids without English

The .po is written so that parallel branches merge: no source locations, sorted by message id, no
line wrapping, and a header that only changes when someone edits it (no extraction date).
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = Path(__file__).resolve().parent
DOMAIN = "messages"
LOCALES = ("en",)
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "_l": None, "message": None}
PROJECT = "UTH"
FIXED_DATE = datetime(2026, 12, 2, tzinfo=timezone.utc)


def po_path(locale: str = "en") -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def extract(root: Path = ROOT) -> Catalog:
    """Every message id in the code and the templates (babel.cfg says which files, and how)."""
    with (root / "babel.cfg").open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f, str(root / "babel.cfg"))
    template = Catalog(project=PROJECT, fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
            str(root), method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def read(locale: str = "en") -> Catalog:
    with po_path(locale).open("rb") as f:
        return read_po(f, locale=locale, domain=DOMAIN)


def write(catalog: Catalog, locale: str = "en", path: Path | None = None) -> None:
    # A header that never changes by itself (no dates, no placeholders), so parallel branches merge.
    catalog.project, catalog.version, catalog.msgid_bugs_address = PROJECT, "1", "-"
    catalog.last_translator = catalog.language_team = PROJECT
    catalog.creation_date = catalog.revision_date = FIXED_DATE
    path = path or po_path(locale)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, catalog, width=0, no_location=True, sort_output=True, ignore_obsolete=True)


def update(locale: str = "en") -> Catalog:
    """Merge the extracted ids into the catalog: new ids get an empty msgstr, ids no longer in the
    code are dropped, translations are kept (no fuzzy guessing: a changed Danish text is a new id)."""
    template = extract()
    if po_path(locale).exists():
        catalog = read(locale)
    else:
        catalog = Catalog(locale=locale, domain=DOMAIN, project=PROJECT, fuzzy=False)
    catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
    write(catalog, locale)
    return catalog


def fill(translations: dict[str, str], locale: str = "en", *, overwrite: bool = False) -> list[str]:
    """Set msgstr for ids in the catalog from {danish: english}; the ids given but not in the catalog
    (run `make messages` first, or the text is not wrapped in _() anywhere)."""
    catalog = read(locale)
    unknown = []
    for danish, english in translations.items():
        message = catalog.get(danish)
        if message is None:
            unknown.append(danish)
        elif overwrite or not message.string:
            message.string = english
    write(catalog, locale)
    return unknown


def _text(message) -> str:
    return message.id[0] if isinstance(message.id, tuple) else message.id


def untranslated(catalog: Catalog | None = None, root: Path = ROOT) -> list[str]:
    """Message ids in the code or templates under `root` with no translation in the catalog (the
    English one unless given), or only a fuzzy one."""
    catalog = read() if catalog is None else catalog
    missing = []
    for message in extract(root):
        if not message.id:
            continue
        entry = catalog.get(message.id, context=message.context)
        strings = entry.string if entry is not None else None
        done = entry is not None and not entry.fuzzy and (all(strings) if isinstance(strings, tuple) else bool(strings))
        if not done:
            missing.append(_text(message))
    return sorted(missing)


def compile_catalogs(directory: Path = TRANSLATIONS) -> list[Path]:
    """Compile every `<lang>/LC_MESSAGES/messages.po` whose `.mo` is missing or older; the compiled
    files written (atomically, so two workers starting at once never read half a file)."""
    written = []
    for po in sorted(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as f:
            catalog = read_po(f, locale=po.parent.parent.name, domain=DOMAIN)
        fd, tmp = tempfile.mkstemp(dir=po.parent, prefix=".messages-", suffix=".mo")
        with os.fdopen(fd, "wb") as f:
            write_mo(f, catalog)
        os.replace(tmp, mo)
        written.append(mo)
    return written


def _translations_from(path: Path) -> dict[str, str]:
    """{danish: english} from a JSON object, or from the `EN` dict of a Python file (the old
    uth/i18n_en.py, or one a branch still has)."""
    if path.suffix == ".py":
        import ast

        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "EN" for t in node.targets):
                return ast.literal_eval(node.value)
        raise SystemExit(f"{path}: no EN = {{...}} dict")
    return json.loads(path.read_text(encoding="utf-8"))


def main(argv: list[str]) -> int:
    command, args = (argv[0], argv[1:]) if argv else ("", [])
    if command == "update":
        for locale in LOCALES:
            update(locale)
        missing = untranslated()
        print(f"{po_path()}: {len(missing)} message(s) without English" + (":" if missing else ""))
        for text in missing:
            print(f"  {text!r}")
        return 0
    if command == "fill" and len(args) == 1:
        unknown = fill(_translations_from(Path(args[0])))
        for text in unknown:
            print(f"not in the catalog (wrap it in _() and run `make messages`): {text!r}", file=sys.stderr)
        return 1 if unknown else 0
    if command == "check":
        missing = untranslated()
        for text in missing:
            print(f"no English: {text!r}")
        return 1 if missing else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
