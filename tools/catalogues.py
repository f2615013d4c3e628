"""Translation catalogues: extract, update, compile and check.

    python tools/catalogues.py update    # extract messages and merge them into every catalogue
    python tools/catalogues.py compile   # build the .mo files the app reads (run by make run/test)
    python tools/catalogues.py check     # fail if a message is missing, fuzzy or untranslated

English is the source language; every other language in LOCALES must be complete.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
TEMPLATE = TRANSLATIONS / "messages.pot"
LOCALES = ("fr", "ar")
KEYWORDS = (
    "_",
    "gettext",
    "_l",
    "lazy_gettext",
    "ngettext:1,2",
    "lazy_ngettext:1,2",
    "lazy_pgettext:1c,2",
    "marked",
    "marked_plural:1,2",
)
METHOD_MAP = [("expertise_app/**.py", "python"), ("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2")]


def _pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def _argument(spec: str) -> int | tuple[int, str]:
    """A keyword's argument as Babel names it: `2` is a message, `1c` the context of one."""
    return (int(spec[:-1]), "c") if spec.endswith("c") else int(spec)


def extract_messages(root: Path = ROOT) -> Catalog:
    """Every translatable message in the code and the templates under `root`."""
    keywords = {}
    for keyword in KEYWORDS:
        name, _, spec = keyword.partition(":")
        keywords[name] = tuple(_argument(n) for n in spec.split(",")) if spec else None
    catalog = Catalog()
    options = {"**.html": {"extensions": "jinja2.ext.i18n"}, "**.txt": {"extensions": "jinja2.ext.i18n"}}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(root), METHOD_MAP, options_map=options, keywords=keywords
    ):
        catalog.add(message, None, [(filename, lineno)], context=context)
    return catalog


def problems(extracted: Catalog, translations_dir: Path = TRANSLATIONS, locales=LOCALES) -> list[str]:
    """What keeps the catalogues from being complete, one line per message and language."""
    found: list[str] = []
    for locale in locales:
        po_path = translations_dir / locale / "LC_MESSAGES" / "messages.po"
        if not po_path.exists():
            found.append(f"{locale}: no catalogue at {po_path.relative_to(translations_dir.parent)}")
            continue
        with po_path.open("rb") as handle:
            catalogue = read_po(handle, locale=locale)
        for message in extracted:
            if not message.id:
                continue
            key = message.id[0] if isinstance(message.id, tuple) else message.id
            where = ", ".join(f"{path}:{line}" for path, line in message.locations[:2])
            translated = catalogue.get(key, context=message.context)
            if translated is None:
                found.append(f"{locale}: missing {key!r} ({where})")
            elif translated.fuzzy:
                found.append(f"{locale}: fuzzy {key!r} ({where})")
            elif not _is_translated(translated.string):
                found.append(f"{locale}: untranslated {key!r} ({where})")
    return found


def _is_translated(string) -> bool:
    if isinstance(string, tuple | list):
        return bool(string) and all(string)
    return bool(string)


def update() -> None:
    TRANSLATIONS.mkdir(exist_ok=True)
    keywords = [arg for keyword in KEYWORDS for arg in ("-k", keyword)]
    _pybabel("extract", "-F", str(ROOT / "babel.cfg"), *keywords, "--no-location", "--sort-output",
             "--omit-header", "-o", str(TEMPLATE), str(ROOT))  # fmt: skip
    for locale in LOCALES:
        if (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").exists():
            _pybabel("update", "--no-fuzzy-matching", "--ignore-obsolete", "-i", str(TEMPLATE),
                     "-d", str(TRANSLATIONS), "-l", locale)  # fmt: skip
        else:
            _pybabel("init", "-i", str(TEMPLATE), "-d", str(TRANSLATIONS), "-l", locale)


def compile_catalogues() -> None:
    _pybabel("compile", "--statistics", "-d", str(TRANSLATIONS))


def check() -> int:
    found = problems(extract_messages())
    for line in found:
        print(line)
    print(f"catalogues: {len(found)} problem(s) in {', '.join(LOCALES)}")
    return 1 if found else 0


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "update":
        update()
    elif command == "compile":
        compile_catalogues()
    elif command == "check":
        sys.exit(check())
    else:
        sys.exit(__doc__)
