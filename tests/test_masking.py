"""A database password never reaches a message, the app or the review pack."""

from __future__ import annotations

from pathlib import Path

import pytest

from playbooks.errors import PlaybooksError, mask_credentials, mask_url
from playbooks.store.settings import resolve_database_url, safe_url

SECRET = "s3cr3t"


@pytest.mark.parametrize("url,shown", [
    ("postgresql://ana:s3cr3t@db.example.com/cx", "postgresql://ana:***@db.example.com/cx"),
    ("postgresql+psycopg://ana:s3cr3t@db:5432/cx", "postgresql+psycopg://ana:***@db:5432/cx"),
    ("postgresql:/ana:s3cr3t@db/cx", "postgresql:/ana:***@db/cx"),  # one slash: mistyped
    ("postgresql:ana:s3cr3t@db/cx", "postgresql:ana:***@db/cx"),
    ("postgresql://ana:s3cr3t@home@db/cx", "postgresql://ana:***@db/cx"),  # @ in the password
    ("postgresql://ana:s3/cr:3t@db/cx", "postgresql://ana:***@db/cx"),  # / and : in it
    ("postgresql://ana:s3cr3t%40x@db/cx", "postgresql://ana:***@db/cx"),  # encoded @
    ("postgresql://:s3cr3t@db/cx", "postgresql://:***@db/cx"),  # no user name
    ("postgresql:///cx?host=/run/pg&password=s3cr3t", "postgresql:///cx?host=/run/pg&password=***"),
    ("postgresql://ana@db/cx", "postgresql://ana@db/cx"),  # no password: as it is
    ("sqlite:////home/ana/playbooks.db", "sqlite:////home/ana/playbooks.db"),
])
def test_every_form_of_url_is_masked(url: str, shown: str) -> None:
    assert mask_url(url) == shown
    assert safe_url(url) == shown
    assert mask_credentials(f"cannot use '{url}': refused") == f"cannot use '{shown}': refused"


def test_text_without_urls_is_left_alone() -> None:
    for text in ("row 3: answered_by: ana@example.com", "at 10:15:30 ana:b@c said",
                 "line 2: expected yes or no, got 'maybe'"):
        assert mask_credentials(text) == text


@pytest.mark.parametrize("url", [
    "postgresql:/ana:s3cr3t@db/cx",  # not a URL SQLAlchemy can read
    "postgresql://ana:s3cr3t@db:port/cx",  # a port that is not a number
    "postgresql+pg8000://ana:s3cr3t@db/cx",  # a driver that is not installed
    "mysql://ana:s3cr3t@db/cx",  # a database the store does not support
])
def test_a_bad_url_is_refused_without_its_password(url: str) -> None:
    with pytest.raises(PlaybooksError) as raised:
        resolve_database_url(url)
    assert SECRET not in str(raised.value) and raised.value.exit_code == 2


def test_the_command_line_masks_every_message(cli, tmp_path: Path) -> None:
    for url in ("postgresql:/ana:s3cr3t@db/cx", "postgresql://ana:s3cr3t@db:port/cx",
                "postgresql://ana:s3cr3t@home@127.0.0.1:1/cx"):
        result = cli("assessment", "list", "--database-url", url)
        assert result.code == 2, result.output
        assert SECRET not in result.output and "home@" not in result.output
        assert "Traceback" not in result.output


def test_an_unexpected_error_is_masked_too(cli, monkeypatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("driver said: postgresql://ana:s3cr3t@db/cx is gone")

    monkeypatch.setattr("playbooks.store.Store.list_assessments", broken)
    monkeypatch.setenv("PLAYBOOKS_DATABASE_URL", "sqlite:///:memory:")
    result = cli("assessment", "list")
    assert result.code == 3 and SECRET not in result.output
    assert "postgresql://ana:***@db/cx" in result.output


def test_the_review_pack_names_the_store_without_its_password(tmp_path: Path) -> None:
    from playbooks.review.gather import build_review

    review = build_review("Support", "2026Q4", workspace=tmp_path / "ws",
                          store="postgresql://ana:s3cr3t@127.0.0.1:1/cx")
    assert SECRET not in review.store_source and SECRET not in review.assessment.note


def test_a_password_holding_an_at_reaches_the_driver_whole() -> None:
    from sqlalchemy.engine import make_url

    url = make_url(resolve_database_url("postgresql://ana:s3cr3t@home@db.example.com/cx"))
    assert url.password == "s3cr3t@home" and url.host == "db.example.com"
    plain = make_url(resolve_database_url("postgresql://ana:s3cr3t@db.example.com/cx"))
    assert plain.password == SECRET and plain.host == "db.example.com"
