"""`locum billing plans create / list` as a user runs them."""

from pathlib import Path

import pytest

from tests.cli.test_cli import run_locum


@pytest.fixture
def env(tmp_path: Path, database_url: str) -> dict[str, str]:
    return {"LOCUM_DATA_DIR": str(tmp_path), "LOCUM_DATABASE_URL": database_url}


def test_create_and_list(env: dict[str, str]) -> None:
    free = run_locum("billing", "plans", "create", "Free", "--slug", "free", "--default", "--feature", "basic", env=env)
    assert free.returncode == 0, free.stderr
    team = run_locum(
        "billing",
        "plans",
        "create",
        "Team",
        "--slug",
        "team",
        "--payer-type",
        "org",
        "--monthly-fee",
        "2500",
        "--free-trial-days",
        "14",
        "--feature",
        "sso",
        "--feature",
        "analytics",
        env=env,
    )
    assert team.returncode == 0, team.stderr
    assert free.stdout.strip().startswith("cplan_") and team.stdout.strip().startswith("cplan_")

    listed = run_locum("billing", "plans", "list", env=env)
    assert listed.returncode == 0, listed.stderr
    header, *rows = listed.stdout.splitlines()
    assert header.split() == ["ID", "SLUG", "PAYER", "NAME", "MONTHLY", "ANNUAL/MO", "TRIAL", "DEFAULT", "FEATURES"]
    assert [row.split() for row in rows] == [
        [team.stdout.strip(), "team", "org", "Team", "2500", "2500", "14", "no", "sso,analytics"],
        [free.stdout.strip(), "free", "user", "Free", "0", "0", "-", "yes", "basic"],
    ]
    only_users = run_locum("billing", "plans", "list", "--payer-type", "user", env=env)
    assert [row.split()[1] for row in only_users.stdout.splitlines()[1:]] == ["free"]


def test_refusals_name_the_option(env: dict[str, str]) -> None:
    assert run_locum("billing", "plans", "create", "Pro", "--slug", "pro", env=env).returncode == 0
    duplicate = run_locum("billing", "plans", "create", "Pro", "--slug", "pro", env=env)
    assert duplicate.returncode == 2 and "--slug" in duplicate.stderr
    cheap = run_locum("billing", "plans", "create", "Cheap", "--slug", "cheap", "--monthly-fee", "50", env=env)
    assert cheap.returncode == 2 and "--monthly-fee" in cheap.stderr
    bad_slug = run_locum("billing", "plans", "create", "Bad", "--slug", "Not A Slug", env=env)
    assert bad_slug.returncode == 2 and "--slug" in bad_slug.stderr
    unknown = run_locum("billing", "plans", "list", "--instance", "ins_unknown", env=env)
    assert unknown.returncode == 1 and "instance" in unknown.stderr


def test_an_empty_list_says_so(env: dict[str, str]) -> None:
    listed = run_locum("billing", "plans", "list", env=env)
    assert listed.returncode == 0 and listed.stdout == "" and "No billing plans" in listed.stderr
