"""`flask --app wsgi import-experts FILE`: a roster from a spreadsheet, its bad rows named."""

from __future__ import annotations

import pytest
from openpyxl import Workbook

from expertise_app.auth.accounts import find_user_by_email
from expertise_app.auth.models import User
from expertise_app.experts.models import ExpertProfile

from .factories import count

HEADER = "email,name,institution,department,public_official,seniority,primary_fields,secondary_fields,languages,countries,regions,max_missions,biography"  # noqa: E501
GOOD = [
    "amina.saidi@culture.example,Amina Saidi,central_service,DGPA — Museums,yes,senior,MUS,TRN;DIG,"
    "ar:native;fr:fluent,JO;LB,mashreq,2,Curator.",
    "pablo.ruiz@example.org,Pablo Ruiz,independent,,no,experienced,ARV,,es:native;fr:working,MX,,3,",
]
BAD = [
    "not-an-email,Nobody,operator,,yes,,MUS,,fr:native,,,,",  # line 4
    "lena@example.org,Lena,operator,,maybe,,MUS,,fr:native,,,,",  # line 5
    "omar@example.org,Omar,nowhere,,yes,,ZZZ,,fr:native,,,,",  # line 6
    "amina.saidi@culture.example,Amina again,operator,,yes,,MUS,,fr:native,,,,",  # line 7
    "kim@example.org,Kim,operator,,yes,,MUS,,fr,,,,",  # line 8
]


@pytest.fixture
def run(app, tmp_path):
    runner = app.test_cli_runner()

    def invoke(lines: list[str], *options: str, name: str = "roster.csv"):
        path = tmp_path / name
        path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
        return runner.invoke(args=["import-experts", str(path), *options])

    return invoke


def test_good_rows_are_imported_and_each_bad_row_is_named_with_its_reason(run):
    result = run(GOOD + BAD)

    assert result.exit_code == 1
    assert "2 created, 0 updated, 0 unchanged, 5 refused." in result.output
    refused = {line.split(":")[0]: line for line in result.output.splitlines() if line.startswith("line ")}
    assert set(refused) == {"line 4", "line 5", "line 6", "line 7", "line 8"}
    assert "not-an-email" in refused["line 4"] or "email" in refused["line 4"]
    assert "public_official: write yes or no." in refused["line 5"]
    assert "institution" in refused["line 6"] and "primary_fields" in refused["line 6"]
    assert "already on line 2" in refused["line 7"]
    assert "Choose the level for this language." in refused["line 8"]
    amina = find_user_by_email("amina.saidi@culture.example")
    assert (amina.role, amina.name) == ("expert", "Amina Saidi")
    profile = amina.profile
    assert (profile.primary_fields, profile.secondary_fields) == (["MUS"], ["DIG", "TRN"])
    assert profile.language_levels == {"ar": "native", "fr": "fluent"}
    assert (profile.country_codes, profile.region_codes) == (["JO", "LB"], ["mashreq"])
    assert (profile.institution, profile.public_official, profile.max_concurrent_missions) == (
        "central_service",
        True,
        2,
    )
    assert find_user_by_email("pablo.ruiz@example.org").profile.public_official is False


def test_a_second_run_changes_nothing_and_a_changed_row_updates_its_expert(run):
    assert run(GOOD).exit_code == 0
    again = run(GOOD)
    assert again.exit_code == 0
    assert "0 created, 0 updated, 2 unchanged, 0 refused." in again.output
    assert count(User) == 2 and count(ExpertProfile) == 2

    changed = run([GOOD[0].replace("MUS,TRN;DIG", "ARC,TRN"), GOOD[1]])
    assert "0 created, 1 updated, 1 unchanged, 0 refused." in changed.output
    assert find_user_by_email("amina.saidi@culture.example").profile.primary_fields == ["ARC"]


def test_a_dry_run_reports_and_saves_nothing(run):
    result = run(GOOD + BAD[:1], "--dry-run")
    assert "Dry run: 2 created, 0 updated, 0 unchanged, 1 refused. Nothing was saved." in result.output
    assert count(User) == 0


def test_an_existing_account_of_another_role_is_not_turned_into_an_expert(run, factory):
    partner = factory.partner()
    result = run([f"{partner.email},Someone,operator,,yes,,MUS,,fr:native,,,,"])
    assert "belongs to a partner account, not an expert" in result.output
    assert find_user_by_email(partner.email).profile is None


def test_an_xlsx_roster_is_read_as_the_csv(app, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    sheet.append(["ada@example.org", "Ada", "operator", "", "yes", "", "MUS", "", "ar:fluent", "JO", "", 2, ""])
    path = tmp_path / "roster.xlsx"
    workbook.save(path)

    result = app.test_cli_runner().invoke(args=["import-experts", str(path)])

    assert result.exit_code == 0, result.output
    assert "1 created" in result.output
    assert find_user_by_email("ada@example.org").profile.language_levels == {"ar": "fluent"}


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("roster.txt", "email,name\n", "only .csv and .xlsx"),
        ("roster.csv", "email,name\n", "lacks the column(s) institution, primary_fields, languages"),
        ("roster.xlsx", "not a workbook", "not a readable .xlsx workbook"),
        ("roster.csv", "", "is empty"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_whole(app, tmp_path, name, content, says):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import-experts", str(path)])
    assert result.exit_code == 1
    assert says in result.output
    assert count(User) == 0


def test_quoted_cells_survive_as_a_spreadsheet_writes_them(run):
    result = run(['"q@example.org","Unit ""A""",operator,"Said ""hi"", then left",yes,,MUS,,ar:native,,,,'])
    assert result.exit_code == 0, result.output
    user = find_user_by_email("q@example.org")
    assert (user.name, user.profile.department) == ('Unit "A"', 'Said "hi", then left')


def test_columns_a_file_leaves_out_keep_the_expert_s_values(run, tmp_path, app):
    assert run(GOOD).exit_code == 0
    path = tmp_path / "names.csv"
    path.write_text(
        "email,name,institution,primary_fields,languages\n"
        "amina.saidi@culture.example,Amina Saidi,central_service,MUS,ar:native;fr:fluent\n"
    )
    result = app.test_cli_runner().invoke(args=["import-experts", str(path)])
    assert "0 created, 0 updated, 1 unchanged" in result.output
    profile = find_user_by_email("amina.saidi@culture.example").profile
    assert (profile.department, profile.secondary_fields, profile.country_codes) == (
        "DGPA — Museums",
        ["DIG", "TRN"],
        ["JO", "LB"],
    )


def test_an_unknown_column_refuses_the_file_rather_than_dropping_what_it_holds(app, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("email,name,institution,primary_fields,languages,public official\n")
    result = app.test_cli_runner().invoke(args=["import-experts", str(path)])
    assert result.exit_code == 1
    assert "unknown column(s) public official" in result.output
