"""The need behind a customer question: information, judgment, reassurance, proof or peer
experience, with a confidence and the cues that decided it.

Two kinds of evidence, both from `playbooks/framework/knowledge/`: cue phrases
(`need_cues.yaml`) and a small text model trained at load time on labelled examples
(`need_examples.yaml`): a logistic regression over words, word pairs and pieces of words (2 to
4 letters), so a typo or an unfamiliar word form still counts. Training is deterministic,
offline and takes about a second. Empty, unreadable or non-English text is classified
`unknown` rather than guessed; a terse question without function words ("pdf export broken?")
is read when most of its words are ones the examples use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import Field

from playbooks.errors import KnowledgeError
from playbooks.framework.model import load_knowledge
from playbooks.framework.parsing import KNOWLEDGE_DIR, Record, check_reference, parse_file
from playbooks.questions.pieces import WordPieces

UNKNOWN = "unknown"
CUE_WEIGHT = 0.35  # how much one unit of cue weight adds to a need's model probability
STARTING_CACHE = 100_000  # distinct words whose cue candidates are kept (bounds the memory)
_WORD = re.compile(r"[a-z][a-z'\-]*")
_ENGLISH = frozenset(
    "a about after all an and any anyone are as at be been before but by can could did do does "
    "for from get had has have how i if in is it its me my need no not now of on or our should "
    "so some than that the their them there they this to us was we what when where which who "
    "why will with would you your".split()
)
# Words of courtesy that do not make a terse question on their own ("ok thanks").
_COURTESY = frozenset("hi hello hey ok okay thanks thank thx please pls yes no sorry cheers"
                      .split())


class Cue(Record):
    phrase: str = Field(min_length=2)
    weight: float = Field(gt=0, le=3)


class CuesFile(Record):
    unknown_below: float = Field(ge=0, le=1)
    cues: dict[str, list[Cue]]


class ExamplesFile(Record):
    examples: dict[str, list[str]]


@dataclass(frozen=True)
class Classification:
    """The need behind one question."""

    need: str
    confidence: float
    cues: list[str]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form printed by `playbooks classify --text ... --json`."""
        return {"need": self.need, "confidence": self.confidence, "cues": list(self.cues)}


class NeedClassifier:
    """Cue phrases plus a TF-IDF logistic regression trained on the shipped examples.

    `word_pieces=False` leaves out the pieces of words (words and word pairs only), the model
    as it was before them, for comparison.
    """

    def __init__(self, directory: Path | None = None, *, word_pieces: bool = True) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        root = directory or KNOWLEDGE_DIR
        kb = load_knowledge(None if directory is None else directory)
        cues = parse_file(root / "need_cues.yaml", CuesFile)
        examples = parse_file(root / "need_examples.yaml", ExamplesFile)
        for need in [*cues.cues, *examples.examples]:
            check_reference(root / "need_cues.yaml", f"cues.{need}", need, kb.needs, "need")
        self.needs = list(kb.needs)
        self._need_index = {need: i for i, need in enumerate(self.needs)}
        missing = [n for n in self.needs if len(examples.examples.get(n, [])) < 3]
        if missing:
            raise KnowledgeError(f"{root / 'need_examples.yaml'}: examples.{missing[0]}: give at "
                                 "least three example questions for every need")
        self.unknown_below = cues.unknown_below

        # Cues are matched on word sequences: an index from first word to the cues it starts,
        # and for cues whose first word ends in `*`, an index from stem to cue.
        self._cues_by_word: dict[str, list[tuple[tuple[str, ...], bool, str, float]]] = {}
        self._cues_by_stem: dict[str, list[tuple[tuple[str, ...], bool, str, float]]] = {}
        for need, items in cues.cues.items():
            for cue in items:
                words = tuple(cue.phrase.lower().split())
                wildcard = words[-1].endswith("*")
                if wildcard:
                    words = (*words[:-1], words[-1][:-1])
                entry = (words, wildcard, need, cue.weight)
                if wildcard and len(words) == 1:
                    self._cues_by_stem.setdefault(words[0], []).append(entry)
                else:
                    self._cues_by_word.setdefault(words[0], []).append(entry)
        self._stem_lengths = sorted({len(s) for s in self._cues_by_stem})
        self._starting: dict[str, list[tuple[tuple[str, ...], bool, str, float]]] = {}

        texts = [t for n in self.needs for t in examples.examples[n]]
        labels = [n for n in self.needs for _ in examples.examples[n]]
        self._vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True,
                                           token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z']+\b",
                                           lowercase=True, dtype=np.float32)
        # Pieces of words (2 to 4 letters, within words) carry a question past typos and
        # word forms the examples do not hold ("permisions", "migraton", "recommending").
        self._pieces = WordPieces(min_df=2) if word_pieces else None
        words = self._vectorizer.fit_transform(texts)
        self._word_columns = words.shape[1]
        # Newton-CG: a few exact steps; L-BFGS took 30 and, with the BLAS threads contending on
        # a busy machine, up to seconds for the same model.
        self._model = LogisticRegression(C=8.0, solver="newton-cg", max_iter=3000)
        self._model.fit(self._features_of([_WORD.findall(t.lower()) for t in texts], words,
                                          fit=True), labels)
        self._classes = list(self._model.classes_)
        self._vocabulary = {w for term in self._vectorizer.vocabulary_ for w in term.split()}
        self._features = np.asarray(self._vectorizer.get_feature_names_out())

    def _features_of(self, questions: list[list[str]], words: Any, *, fit: bool = False) -> Any:
        """The model's input: the word matrix, beside the word-piece matrix when there is one."""
        if self._pieces is None:
            return words
        from scipy.sparse import hstack

        pieces = (self._pieces.fit_transform(questions) if fit
                  else self._pieces.transform(questions))
        return hstack([words, pieces], format="csr")

    def _readable(self, text: str) -> list[str] | None:
        """The lower-case words of an English question, or None if it is not one."""
        if not text or not text.strip():
            return None
        if not text.isascii():  # most questions are: then no letter is foreign
            letters = [c for c in text if c.isalpha()]
            if not letters or sum(not c.isascii() for c in letters) / len(letters) > 0.15:
                return None
        words = _WORD.findall(text.lower())
        if not words:
            return None
        known = sum(w in _ENGLISH or w in self._vocabulary for w in words)
        if any(w in _ENGLISH for w in words):
            return words if known / len(words) >= 0.4 else None
        # A terse question ("pdf export broken?") has no function word: most of its words must
        # then be ones the examples use.
        content = [w for w in words if w not in _COURTESY]
        known = sum(w in self._vocabulary for w in content)
        return words if len(content) >= 2 and known / len(content) >= 0.6 else None

    def classify_many(self, texts: list[str | None]) -> list[Classification]:
        """Classify a batch of questions; repeated texts are classified once."""
        unique: dict[str, int] = {}
        keys: list[str | None] = []
        for text in texts:
            key = text.strip().lower() if isinstance(text, str) else None
            keys.append(key)
            if key is not None and key not in unique:
                unique[key] = len(unique)
        words = {key: found for key in unique if (found := self._readable(key)) is not None}
        readable = list(words)
        decided: dict[str, Classification] = {}
        if readable:
            matrix = self._vectorizer.transform(readable).tocsr()
            both = self._features_of([words[text] for text in readable], matrix)
            order = [self._classes.index(n) for n in self.needs]
            probabilities = self._model.predict_proba(both)[:, order].tolist()
            coef = self._model.coef_[order][:, : self._word_columns]
            for row, text in enumerate(readable):
                start, stop = matrix.indptr[row], matrix.indptr[row + 1]
                decided[text] = self._decide(probabilities[row], words[text],
                                             matrix.indices[start:stop], matrix.data[start:stop],
                                             coef)
        unknown = Classification(UNKNOWN, 0.0, [])
        return [decided.get(key, unknown) if key is not None else unknown for key in keys]

    def _match_cues(self, words: list[str]) -> list[tuple[str, str, float]]:
        """Every cue found in a list of words, as (need, matched text, weight)."""
        found = []
        for i, word in enumerate(words):
            candidates = self._starting.get(word)
            if candidates is None:  # each distinct word is looked up in the cue indexes once
                candidates = list(self._cues_by_word.get(word, ()))
                for length in self._stem_lengths:
                    candidates += self._cues_by_stem.get(word[:length], ())
                if len(self._starting) < STARTING_CACHE:
                    self._starting[word] = candidates
            for cue_words, wildcard, need, weight in candidates:
                n = len(cue_words)
                span = words[i:i + n]
                if len(span) < n or span[:-1] != list(cue_words[:-1]):
                    continue
                last_ok = (span[-1].startswith(cue_words[-1]) if wildcard
                           else span[-1] == cue_words[-1])
                if last_ok:
                    found.append((need, " ".join(span), weight))
        return found

    def _decide(self, probabilities: list[float], words: list[str], columns: np.ndarray,
                values: np.ndarray, coef: np.ndarray) -> Classification:
        scores = list(probabilities)
        matched: dict[str, list[str]] = {}
        for need, phrase, weight in self._match_cues(words):
            scores[self._need_index[need]] += CUE_WEIGHT * weight
            matched.setdefault(need, []).append(phrase)
        best = max(range(len(scores)), key=scores.__getitem__)
        need = self.needs[best]
        if not matched and probabilities[best] < self.unknown_below:
            return Classification(UNKNOWN, round(probabilities[best], 3), [])
        cues = [f'"{c}"' for c in dict.fromkeys(matched.get(need, []))]
        if len(cues) < 3 and len(columns):
            weights = coef[best, columns] * values
            for j in np.argsort(-weights, kind="stable")[: 3 - len(cues)]:
                if weights[j] > 0:
                    cues.append(f"word: {self._features[columns[j]]}")
        return Classification(need, round(scores[best] / sum(scores), 3), cues)

    def classify(self, text: str | None) -> Classification:
        """Classify one question."""
        return self.classify_many([text])[0]


@lru_cache(maxsize=1)
def default_classifier() -> NeedClassifier:
    """The classifier trained on the shipped knowledge, built once per process."""
    return NeedClassifier()


def classify_question(text: str | None) -> Classification:
    """The need behind one customer question, with a confidence and its cues."""
    return default_classifier().classify(text)


def classify_questions(texts: list[str | None]) -> list[Classification]:
    """The need behind each of many questions, in order."""
    return default_classifier().classify_many(texts)
