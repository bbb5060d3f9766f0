"""Output files are written to a temporary name and renamed into place: a full disk (a fault
injected in the writer) leaves the earlier file or none, never a truncated one."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from playbooks.errors import InputError
from playbooks.userfiles.writing import atomic_path, write_csv, write_text_atomic

DOWN = "postgresql://ana@127.0.0.1:1/cx"  # nothing listens on port 1


def disk_full(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def leftovers(folder: Path) -> list[Path]:
    return list(folder.rglob("*.tmp"))


def test_a_full_disk_keeps_the_earlier_file(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "review.html"
    out.write_text("the earlier pack", encoding="utf-8")
    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(InputError, match="review.html: No space left on device|"
                                         "cannot write .*review.html: No space left"):
        write_text_atomic(out, "<html>" + "x" * 100_000 + "</html>")
    assert out.read_text(encoding="utf-8") == "the earlier pack"
    assert not leftovers(tmp_path)


def test_a_failure_half_way_through_a_csv_leaves_no_file(tmp_path: Path) -> None:
    def rows():
        yield ["a", 1]
        raise OSError(errno.ENOSPC, "No space left on device")

    out = tmp_path / "export.csv"
    with pytest.raises(InputError, match="nothing was written there"):
        write_csv(out, ["name", "n"], rows())
    assert not out.exists() and not leftovers(tmp_path)


def test_a_complete_write_replaces_the_file_and_keeps_its_permissions(tmp_path: Path) -> None:
    out = tmp_path / "export.csv"
    out.write_text("old", encoding="utf-8")
    out.chmod(0o640)
    assert write_csv(out, ["name"], [["=1"], ["ok"]]) == 2
    assert out.read_bytes() == b"name\r\n'=1\r\nok\r\n"
    assert out.stat().st_mode & 0o777 == 0o640
    with atomic_path(tmp_path / "table.parquet") as temporary:
        temporary.write_bytes(b"PAR1")
    assert (tmp_path / "table.parquet").read_bytes() == b"PAR1" and not leftovers(tmp_path)


def test_a_report_on_a_full_disk_leaves_no_truncated_file(cli, tmp_path: Path,
                                                          monkeypatch) -> None:
    out = tmp_path / "pack" / "review"
    args = ("report", "--team", "Support", "--quarter", "2026Q4", "--out", str(out),
            "-w", str(tmp_path / "empty"), "--no-charts")
    assert cli(*args).code == 0
    earlier = {p.name: p.read_bytes() for p in out.parent.iterdir()}
    calls = {"n": 0}

    def full_on_second_file(descriptor: int) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            disk_full()

    monkeypatch.setattr(os, "fsync", full_on_second_file)
    result = cli(*args)
    assert result.code == 2 and "cannot write the report" in result.stderr
    assert "No space left on device" in result.stderr
    now = {p.name: p.read_bytes() for p in out.parent.iterdir()}
    assert set(now) == set(earlier) and not leftovers(tmp_path)
    assert now["review.md"] == earlier["review.md"]  # the file that failed is the earlier one
    assert now["review.html"].rstrip().endswith(b"</html>")  # the one before it is whole


def test_a_report_with_the_database_down_stops_unless_told_to_go_on(cli, tmp_path: Path) -> None:
    out = tmp_path / "review"
    args = ("report", "--team", "Support", "--quarter", "2026Q4", "--out", str(out),
            "-w", str(tmp_path / "empty"), "--no-charts", "--database-url", DOWN)
    result = cli(*args)
    assert result.code == 2 and "cannot use the database" in result.stderr
    assert "--without-assessment" in result.stderr and "nothing was written" in result.stderr
    assert not list(tmp_path.glob("review*"))
    result = cli(*args, "--without-assessment")
    assert result.code == 0 and "WARNING: the pack has no self-assessment" in result.stderr
    assert (tmp_path / "review.html").exists()
