"""Pieces of words (2 to 4 letters) as TF-IDF features, computed once per distinct word.

A question's pieces are the sum of its words' pieces (each word padded with a space on either
side, as in " export "), so the pieces of a batch are a product of two sparse matrices: which
words each question holds, and which pieces each distinct word holds. Every distinct word is cut
into pieces once per batch, however many questions use it, which keeps this cheap on a large
batch of similar questions. Questions come in as their lists of words, split by the caller (the
classifier has them already).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def _word_matrix(questions: Sequence[Sequence[str]], index: dict[str, int]) -> Any:
    """Count each question's words, adding unseen words to `index` (questions x words)."""
    from scipy.sparse import csr_matrix

    columns: list[int] = []
    indptr = [0]
    for words in questions:
        columns.extend([index.setdefault(word, len(index)) for word in words])
        indptr.append(len(columns))
    data = np.ones(len(columns), dtype=np.float32)
    matrix = csr_matrix((data, np.asarray(columns, dtype=np.int64), np.asarray(indptr)),
                        shape=(len(questions), len(index)))
    matrix.sum_duplicates()
    return matrix


class WordPieces:
    """TF-IDF of the 2- to 4-letter pieces of each question's words (sublinear, l2-normalised)."""

    def __init__(self, min_df: int = 2) -> None:
        from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

        self.min_df = min_df
        self._cutter = CountVectorizer(analyzer="char_wb", ngram_range=(2, 4), lowercase=False,
                                       dtype=np.float32)
        self._weights = TfidfTransformer(sublinear_tf=True)
        self._keep: np.ndarray = np.array([], dtype=np.int64)

    def _counts(self, questions: Sequence[Sequence[str]], *, fit: bool) -> Any:
        index: dict[str, int] = {}
        words = _word_matrix(questions, index)
        vocabulary = list(index)
        if fit:
            pieces = self._cutter.fit_transform(vocabulary)
        else:
            pieces = self._cutter.transform(vocabulary) if vocabulary else None
        if pieces is None:
            return words[:, :0]
        counts = (words @ pieces).tocsr()
        if fit:
            df = np.asarray((counts > 0).sum(axis=0)).ravel()
            self._keep = np.flatnonzero(df >= self.min_df)
        return counts[:, self._keep].tocsr().sorted_indices()  # same sums, whatever the batch

    def fit_transform(self, questions: Sequence[Sequence[str]]) -> Any:
        """Learn the pieces and their weights from training questions (lists of lower-case
        words); return their matrix."""
        return self._weights.fit_transform(self._counts(questions, fit=True))

    def transform(self, questions: Sequence[Sequence[str]]) -> Any:
        """The pieces matrix of new questions (lists of words), in the columns learnt at fit."""
        counts = self._counts(questions, fit=False)
        if counts.shape[1] == 0:
            from scipy.sparse import csr_matrix

            counts = csr_matrix((len(questions), self._keep.size), dtype=np.float32)
        return self._weights.transform(counts)
