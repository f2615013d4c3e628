"""The catalogue check that `make test` runs: complete catalogues pass, gaps fail."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("catalogues", ROOT / "tools" / "catalogues.py")
catalogues = importlib.util.module_from_spec(spec)
spec.loader.exec_module(catalogues)

PO_HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A tiny project: one message in the code, one in a template, catalogues for fr and ar."""
    (tmp_path / "expertise_app").mkdir()
    (tmp_path / "expertise_app" / "views.py").write_text('from flask_babel import gettext as _\n_("Case closed")\n')
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text("<h1>{{ _('Our requests') }}</h1>\n")
    for locale, closed, ours in (("fr", "Dossier clôturé", "Nos demandes"), ("ar", "أغلق الملف", "طلباتنا")):
        folder = tmp_path / "translations" / locale / "LC_MESSAGES"
        folder.mkdir(parents=True)
        (folder / "messages.po").write_text(
            PO_HEADER + f'msgid "Case closed"\nmsgstr "{closed}"\n\nmsgid "Our requests"\nmsgstr "{ours}"\n',
            encoding="utf-8",
        )
    return tmp_path


def check(project: Path) -> list[str]:
    return catalogues.problems(catalogues.extract_messages(project), project / "translations")


def test_complete_catalogues_pass(project):
    assert check(project) == []


def test_a_new_message_in_the_code_fails_until_translated(project):
    views = project / "expertise_app" / "views.py"
    views.write_text(views.read_text() + '_("Request withdrawn")\n')
    found = check(project)
    assert len(found) == 2
    assert all("missing 'Request withdrawn'" in line for line in found)


def test_a_new_message_in_a_template_fails(project):
    (project / "templates" / "other.html").write_text("<p>{{ _('No request yet') }}</p>\n")
    assert {line.split(":")[0] for line in check(project)} == {"fr", "ar"}


def test_untranslated_and_fuzzy_messages_fail(project):
    fr = project / "translations" / "fr" / "LC_MESSAGES" / "messages.po"
    fr.write_text(fr.read_text().replace('msgstr "Nos demandes"', 'msgstr ""'), encoding="utf-8")
    ar = project / "translations" / "ar" / "LC_MESSAGES" / "messages.po"
    ar.write_text(ar.read_text().replace('msgid "Case closed"', '#, fuzzy\nmsgid "Case closed"'), encoding="utf-8")
    found = check(project)
    assert any(line.startswith("fr: untranslated 'Our requests'") for line in found)
    assert any(line.startswith("ar: fuzzy 'Case closed'") for line in found)
    assert len(found) == 2


def test_the_projects_catalogues_are_complete():
    assert catalogues.problems(catalogues.extract_messages()) == []
