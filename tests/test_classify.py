"""The need classifier: accuracy on questions kept apart from its training data, cues on every
answer, and a clear `unknown` for text it cannot read."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from playbooks.framework.model import load_knowledge
from playbooks.framework.parsing import KNOWLEDGE_DIR
from playbooks.questions.classify import (
    UNKNOWN,
    Classification,
    classify_question,
    classify_questions,
)
from playbooks.questions.evaluation import measure_needs, read_labelled_questions
from playbooks.questions.pieces import WordPieces

TEST_QUESTIONS = yaml.safe_load(
    (Path(__file__).parent / "cases" / "classify_questions.yaml").read_text(encoding="utf-8"))
LABELLED = [(need, q) for need, qs in TEST_QUESTIONS.items() if need != UNKNOWN for q in qs]
DATA = Path(__file__).parent / "data"
HELD_OUT = read_labelled_questions(DATA / "needs_heldout")
DEVELOPMENT = read_labelled_questions(DATA / "needs_dev")


def test_test_questions_are_kept_apart_from_training() -> None:
    training = yaml.safe_load((KNOWLEDGE_DIR / "need_examples.yaml").read_text())["examples"]
    seen = {q.strip().lower() for qs in training.values() for q in qs}
    assert not [q for _, q in LABELLED if q.strip().lower() in seen]


def test_held_out_and_development_questions_stay_apart() -> None:
    training = yaml.safe_load((KNOWLEDGE_DIR / "need_examples.yaml").read_text())["examples"]
    seen = {q.strip().lower() for qs in training.values() for q in qs}
    held_out = {q.lower() for _, q in HELD_OUT}
    assert not held_out & seen
    assert not {q.lower() for _, q in DEVELOPMENT} & (seen | held_out)


def test_held_out_set_covers_every_need_in_forty_questions_or_more() -> None:
    counts = {need: sum(n == need for n, _ in HELD_OUT) for need in load_knowledge().needs}
    assert min(counts.values()) >= 40, counts


def test_every_need_is_recognised_on_held_out_questions() -> None:
    measured = measure_needs(HELD_OUT)
    low = {need: round(measured.accuracy(need), 3) for need in measured.needs
           if measured.accuracy(need) < 0.85}
    assert not low, f"below 0.85: {low}; missed: {measured.misses}"


def test_accuracy_and_confusion_count_each_question_once() -> None:
    def fixed(texts: list[str | None]) -> list[Classification]:
        answers = {"a1": "a", "a2": "b", "b1": "b", "b2": UNKNOWN}
        return [Classification(answers[str(t)], 0.5, []) for t in texts]

    measured = measure_needs([("a", "a1"), ("a", "a2"), ("b", "b1"), ("b", "b2")], fixed)
    assert measured.needs == ["a", "b"] and measured.overall == 0.5
    assert measured.accuracy("a") == 0.5 and measured.accuracy("b") == 0.5
    assert measured.confusion == {"a": {"a": 1, "b": 1, UNKNOWN: 0},
                                  "b": {"a": 0, "b": 1, UNKNOWN: 1}}
    assert measured.misses == [("a", "b", "a2"), ("b", UNKNOWN, "b2")]


def test_terse_questions_are_read_but_courtesy_alone_is_not() -> None:
    assert classify_question("dashboard export broken").need == "information"
    for text in ["ok thanks", "hi", "thx pls", "qwerty zxcvb"]:
        assert classify_question(text).need == UNKNOWN, text


def test_accuracy_on_held_apart_questions() -> None:
    results = classify_questions([q for _, q in LABELLED])
    correct = sum(r.need == need for (need, _), r in zip(LABELLED, results, strict=True))
    accuracy = correct / len(LABELLED)
    assert accuracy >= 0.80, f"accuracy {accuracy:.2f}"
    for need in {n for n, _ in LABELLED}:
        per_need = [r.need == n for (n, _), r in zip(LABELLED, results, strict=True) if n == need]
        assert sum(per_need) / len(per_need) >= 0.6, need


def test_every_answer_carries_cues_and_a_bounded_confidence() -> None:
    for result in classify_questions([q for _, q in LABELLED]):
        if result.need != UNKNOWN:
            assert result.cues
        assert 0.0 <= result.confidence <= 1.0


def test_unreadable_text_is_unknown() -> None:
    for text in [*TEST_QUESTIONS[UNKNOWN], None]:
        result = classify_question(text)
        assert result.need == UNKNOWN and result.confidence == 0.0 and result.cues == []


def test_cue_phrases_decide_clear_cases() -> None:
    result = classify_question("Has anyone else rolled this out to a sales team? Lessons learned?")
    assert result.need == "peer_experience"
    assert '"has anyone"' in result.cues and '"lessons learned"' in result.cues


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from([q for _, q in LABELLED] + ["", "???"]), min_size=1,
                max_size=20))
def test_batch_equals_one_by_one_in_any_order(texts: list[str]) -> None:
    batch = classify_questions(texts)
    assert batch == [classify_question(t) for t in texts]
    assert classify_questions(list(reversed(texts))) == list(reversed(batch))


@pytest.fixture
def classify_cli(cli):
    """`playbooks classify ARGS`, in-process."""
    return lambda *args: cli("classify", *args)


def test_cli_text_json(classify_cli) -> None:
    result = classify_cli("--text", "Which is better for us, option A or B?", "--json")
    assert result.code == 0, result.stderr
    assert '"need": "judgment"' in result.stdout and '"cues"' in result.stdout


def test_cli_file_adds_need_and_confidence(classify_cli, tmp_path: Path) -> None:
    source = tmp_path / "questions.csv"
    rows = [{"id": str(i), "question": q} for i, (_, q) in enumerate(LABELLED[:10])]
    rows.append({"id": "99", "question": ""})
    with open(source, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "question"])
        writer.writeheader()
        writer.writerows(rows)
    out = tmp_path / "out" / "classified.csv"
    result = classify_cli(str(source), "--column", "question", "--out", str(out))
    assert result.code == 0, result.stderr
    with open(out, newline="", encoding="utf-8") as handle:
        written = list(csv.DictReader(handle))
    assert [r["id"] for r in written] == [r["id"] for r in rows]
    assert set(written[0]) == {"id", "question", "need", "confidence"}
    assert written[-1]["need"] == UNKNOWN


def test_cli_file_errors_name_the_problem(classify_cli, tmp_path: Path) -> None:
    source = tmp_path / "questions.csv"
    source.write_text("id,text\n1,How do I export?\n")
    result = classify_cli(str(source), "--column", "question", "--out",
                          str(tmp_path / "o.csv"))
    assert result.code == 2
    assert "no column 'question'" in result.stderr and "id, text" in result.stderr
    assert not (tmp_path / "o.csv").exists()
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    result = classify_cli(str(empty), "--column", "q", "--out", str(tmp_path / "o.csv"))
    assert result.code == 2 and "empty" in result.stderr
    assert "Traceback" not in result.stderr


def test_word_pieces_carry_a_typo_and_do_not_depend_on_the_batch() -> None:
    pieces = WordPieces(min_df=1)
    pieces.fit_transform([["how", "do", "i", "change", "permissions"],
                          ["where", "is", "the", "export", "button"]])
    typo, right, other = pieces.transform([["permisions"], ["permissions"], ["button"]]).toarray()
    assert float(typo @ right) > 0.5 > float(typo @ other)
    texts = [["permisions"], [], ["how", "do", "i", "export"], ["zzzz"]]
    together = pieces.transform(texts).toarray()
    alone = [pieces.transform([t]).toarray()[0] for t in texts]
    assert all((row == single).all() for row, single in zip(together, alone, strict=True))
    assert not together[1].any() and not together[3].any()
