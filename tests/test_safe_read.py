"""playbooks.userfiles: user files read with limits (size, aliases, nesting, CSV rows, values)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from playbooks.errors import InputError, KnowledgeError
from playbooks.userfiles.limits import (
    JOURNEY_MAP,
    MB,
    QUESTIONS,
    FileKind,
    excerpt,
    read_user_bytes,
    read_user_text,
)
from playbooks.userfiles.structured import MAX_DEPTH, load_user_json, load_user_yaml
from playbooks.userfiles.tables import iter_csv_rows, read_csv_records, split_csv_header

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = ROOT / "tests" / "data" / "hostile"
TINY = FileKind("test file", 0.001)  # about 1 KB


def sparse_file(path: Path, size: int) -> Path:
    """A file of `size` bytes that takes no disk space (a hole), for size limits."""
    with open(path, "wb") as handle:
        handle.truncate(size)
    return path


# --- sizes and paths ------------------------------------------------------------------------------


def test_a_file_over_the_limit_is_refused_naming_it_and_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"x" * 2000)
    with pytest.raises(InputError) as raised:
        read_user_bytes(path, TINY)
    message = str(raised.value)
    assert str(path) in message and "1.0 KB limit" in message
    assert "PLAYBOOKS_MAX_INPUT_MB" in message


def test_a_2_gb_file_is_refused_by_its_size_before_any_byte_is_read(tmp_path: Path) -> None:
    path = sparse_file(tmp_path / "huge.csv", 2 * 1024 * MB)
    for kind in (JOURNEY_MAP, QUESTIONS):
        with pytest.raises(InputError, match=r"huge\.csv: this .* is larger than the"):
            read_user_bytes(path, kind)


def test_the_setting_is_the_limit_for_every_kind(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "map.csv"
    path.write_bytes(b"x" * 3000)
    assert read_user_bytes(path, JOURNEY_MAP) == b"x" * 3000
    monkeypatch.setenv("PLAYBOOKS_MAX_INPUT_MB", "0.002")
    with pytest.raises(InputError, match="2.0 KB limit"):
        read_user_bytes(path, JOURNEY_MAP)
    monkeypatch.setenv("PLAYBOOKS_MAX_INPUT_MB", "lots")
    with pytest.raises(InputError, match="PLAYBOOKS_MAX_INPUT_MB must be a positive number"):
        read_user_bytes(path, JOURNEY_MAP)


def test_a_stream_that_never_ends_is_cut_at_the_limit() -> None:
    with pytest.raises(InputError, match="/dev/zero: this test file is larger than"):
        read_user_bytes("/dev/zero", TINY)


def test_a_folder_or_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=f"{tmp_path}: this is a folder, not a file"):
        read_user_bytes(tmp_path, JOURNEY_MAP)
    with pytest.raises(KnowledgeError, match="nope.yaml: no such file"):
        read_user_bytes(tmp_path / "nope.yaml", JOURNEY_MAP, KnowledgeError)


def test_text_that_is_binary_or_not_utf8_is_refused() -> None:
    with pytest.raises(InputError, match="binary data"):
        read_user_text(HOSTILE / "binary.csv", JOURNEY_MAP)
    with pytest.raises(InputError, match="not UTF-8 text"):
        read_user_text(HOSTILE / "latin1.csv", JOURNEY_MAP)


@given(st.text(max_size=500), st.integers(min_value=5, max_value=80))
def test_an_excerpt_is_short_whatever_the_value(text: str, limit: int) -> None:
    shown = excerpt(text, limit)
    assert len(shown) <= len(repr(text[:limit])) + len(f"... ({len(text):,} characters)")
    if len(text) <= limit:
        assert shown == repr(text)


# --- YAML and JSON --------------------------------------------------------------------------------


def test_yaml_aliases_are_refused_at_the_first_one() -> None:
    text = (HOSTILE / "alias_bomb.yaml").read_text()
    with pytest.raises(InputError, match=r"bomb\.yaml \(line 2, column \d+\): a YAML alias"):
        load_user_yaml(text, "bomb.yaml")


def test_yaml_anchors_without_aliases_and_plain_files_still_read() -> None:
    assert load_user_yaml("a: &x 1\nb: [1, {c: 2}]\n", "ok.yaml") == {"a": 1, "b": [1, {"c": 2}]}


@pytest.mark.parametrize("opener,closer", [("[", "]"), ("{a: ", "}")])
def test_200_kb_of_nested_yaml_is_refused_naming_the_file(opener: str, closer: str) -> None:
    text = opener * (200_000 // len(opener))
    with pytest.raises(InputError, match=f"deep.yaml .*nested more than {MAX_DEPTH} levels"):
        load_user_yaml(text, "deep.yaml")
    nested = opener * MAX_DEPTH + "1" + closer * MAX_DEPTH
    assert load_user_yaml(nested, "ok.yaml") is not None


def test_200_kb_of_nested_json_is_refused_naming_the_file() -> None:
    for text in ("[" * 200_000 + "]" * 200_000, "[" * 200_000,
                 '{"a":' * 100 + "1" + "}" * 100):
        with pytest.raises(InputError, match="deep.json: nested more than|deep.json: not valid"):
            load_user_json(text, "deep.json")
    assert load_user_json("[" * MAX_DEPTH + "]" * MAX_DEPTH, "ok.json") == json.loads(
        "[" * MAX_DEPTH + "]" * MAX_DEPTH)


def test_duplicate_keys_are_refused_with_both_lines() -> None:
    with pytest.raises(InputError, match=r"the key 'touchpoint' appears twice \(lines 2 and 3\)"):
        load_user_yaml((HOSTILE / "duplicate_key.yaml").read_text(), "dup.yaml")
    with pytest.raises(InputError, match="a key must be a plain value"):
        load_user_yaml((HOSTILE / "key_is_a_list.yaml").read_text(), "key.yaml")


def test_a_huge_duplicate_key_is_quoted_short() -> None:
    key = "k" * 100_000
    with pytest.raises(InputError) as raised:
        load_user_yaml(f"? {key}\n: 1\n? {key}\n: 2\n", "dup.yaml")
    assert len(str(raised.value)) < 400 and "100,000 characters" in str(raised.value)


def test_running_out_of_memory_while_parsing_names_the_file(monkeypatch) -> None:
    def no_memory(*args: object, **kwargs: object) -> None:
        raise MemoryError

    monkeypatch.setattr("yaml.load", no_memory)
    with pytest.raises(InputError, match="big.yaml: not enough memory"):
        load_user_yaml("a: 1", "big.yaml")
    monkeypatch.setattr("json.loads", no_memory)
    with pytest.raises(InputError, match="big.json: not enough memory"):
        load_user_json("{}", "big.json")


# --- CSV ------------------------------------------------------------------------------------------


def test_csv_rows_carry_their_line_and_skip_blank_lines() -> None:
    rows = list(iter_csv_rows(io.StringIO('a,b\n\n"x\ny",2\n3,4\n'), "f.csv"))
    assert rows == [(1, ["a", "b"]), (4, ["x\ny", "2"]), (5, ["3", "4"])]


@pytest.mark.parametrize("size", [70_000, 200_000])
def test_a_value_over_the_limit_is_refused_naming_the_line(size: int) -> None:
    text = "a,b\n1,2\n3," + "x" * size + "\n"
    with pytest.raises(InputError, match=r"f\.csv: line 3: a value is"):
        list(iter_csv_rows(io.StringIO(text), "f.csv"))


def test_more_rows_than_the_limit_are_refused() -> None:
    text = "a\n" + "1\n" * 11
    with pytest.raises(InputError, match="more than 10 rows"):
        list(iter_csv_rows(io.StringIO(text), "f.csv", max_rows=10))


def test_ragged_rows_and_repeated_columns_are_refused_naming_the_line() -> None:
    header, rows = split_csv_header((HOSTILE / "ragged.csv").open(newline=""), "ragged.csv")
    assert header == ["team", "quarter", "status"]
    with pytest.raises(InputError, match="ragged.csv: line 2: 5 values, but the header has 3"):
        list(rows)
    with pytest.raises(InputError, match="'a' appear more than once"):
        split_csv_header(io.StringIO("a,b,a\n"), "f.csv")
    with pytest.raises(InputError, match="the file is empty"):
        split_csv_header(io.StringIO(""), "f.csv")


def test_a_csv_file_is_streamed_within_its_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "answers.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    assert read_csv_records(path, TINY) == (["a", "b"], [(2, {"a": "1", "b": "2"})])
    sparse_file(path, 2 * 1024 * MB)
    with pytest.raises(InputError, match="larger than the"):
        read_csv_records(path, TINY)


# --- memory, measured in a separate process -------------------------------------------------------

MEASURE = """
import json, resource, sys
from playbooks.cli import main
try:
    main(sys.argv[1:])
    code = 0
except SystemExit as stop:
    code = stop.code
# VmHWM: this process's own peak (ru_maxrss would start from the forking parent's size)
peak = next((int(line.split()[1]) for line in open("/proc/self/status")
             if line.startswith("VmHWM:")), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
print(json.dumps({"code": code, "max_rss_mb": peak / 1024}))
"""


def run_measured(*args: str) -> dict:
    """Run `playbooks ARGS` in a new process; return its exit code and peak memory (MB)."""
    done = subprocess.run([sys.executable, "-c", MEASURE, *args], capture_output=True,
                          text=True, timeout=120, cwd=ROOT,
                          env={**os.environ, "PLAYBOOKS_DEBUG": ""})
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["stderr"] = done.stderr
    return result


@pytest.mark.parametrize("command", [["diagnose"], ["knowledge", "check", "--overlay"]])
def test_the_alias_bomb_is_refused_in_bounded_memory(command: list[str]) -> None:
    bomb = HOSTILE / "alias_bomb.yaml"
    result = run_measured(*command, str(bomb))
    assert result["code"] == 2 and "alias_bomb.yaml" in result["stderr"]
    assert "YAML alias" in result["stderr"] and len(result["stderr"]) < 1000
    assert result["max_rss_mb"] < 200, result
