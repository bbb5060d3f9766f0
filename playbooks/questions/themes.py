"""Repeated-question themes: group customers' question texts, label them, follow them in time.

The grouping is TF-IDF over the distinct question texts (words and word pairs, English stop
words removed), reduced to a few latent directions (LSA), then agglomerative clustering by
cosine distance on a fixed sample, the number of themes picked by the silhouette score
between 2 and `max_themes`; every other text joins the nearest theme. Random states are fixed,
so the same input always gives the same themes.

Each theme is named (`label`) by a representative question: of the theme's distinct questions,
the one closest to the theme's centre (the most asked of those equally close), shortened to
`LABEL_CHARS` characters at a word. Its most used words stay in `top_terms`, and its most
asked question in `example`. Each theme is followed per week: how many accounts it touches,
from when to when, and whether it keeps coming back (`recurring`), which means, plainly:
asked in at least `min_weeks` different weeks of the last `window_weeks` weeks before the
as-of date, by at least `min_accounts` different accounts in those weeks (defaults: 4 of the
last 26 weeks, 5 accounts). A theme many accounts asked in one week only is not recurring;
one asked every month is. `recurrence` says it for each theme in words ("asked in 6 of the
last 26 weeks, by 9 accounts"), and `ThemeSettings.recurring_rule` says the rule.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from playbooks.errors import InputError
from playbooks.vocabulary.activity import (
    as_datetime,
    as_of_date,
    is_customer,
    require_columns,
    window_end,
)

THEME_SCHEMA: dict[str, Any] = {
    "theme_id": pl.String, "label": pl.String, "top_terms": pl.List(pl.String),
    "example": pl.String, "account_count": pl.UInt32, "question_count": pl.UInt32,
    "first_seen": pl.Date, "last_seen": pl.Date, "weeks_active": pl.Int64,
    "weeks_with_questions": pl.UInt32, "recent_questions": pl.UInt32,
    "weekly": pl.List(pl.Struct({"week": pl.Date, "questions": pl.UInt32})),
    "recent_share": pl.Float64, "earlier_share": pl.Float64, "rising": pl.Boolean,
    "window_weeks_asked": pl.UInt32, "window_accounts": pl.UInt32, "recurrence": pl.String,
    "recurring": pl.Boolean,
}
LABEL_CHARS = 60  # a representative question longer than this is shortened at a word


@dataclass(frozen=True)
class ThemeSettings:
    """How themes are found and when one counts as recurring."""

    max_themes: int = 20
    min_accounts: int | None = None  # None: 5 (different accounts asking within the window)
    min_weeks: int = 4  # different weeks with a question on the theme, within the window
    window_weeks: int = 26  # the window: this many weeks up to the as-of date
    recent_weeks: int = 8  # the recent share (rising) counts questions in this many weeks
    top_terms: int = 4
    rising_ratio: float = 1.5  # recent share of questions against the earlier share
    sample_size: int = 2_000  # distinct texts clustered; the rest join the nearest theme
    dimensions: int = 100  # latent directions (LSA) the texts are compared in
    random_state: int = 0

    @property
    def accounts_needed(self) -> int:
        """Different accounts a recurring theme is asked by within the window."""
        return 5 if self.min_accounts is None else self.min_accounts

    def recurring_rule(self) -> str:
        """Say, in a sentence for the reader, when a theme keeps coming back."""
        accounts = self.accounts_needed
        return (f"A theme keeps coming back when it was asked in at least {self.min_weeks} "
                f"different weeks of the last {self.window_weeks}, by at least {accounts} "
                f"different account{'s' if accounts != 1 else ''}.")


def question_frame(activity: pl.LazyFrame, as_of: dt.date | None = None) -> pl.LazyFrame:
    """Customers' questions that carry text, up to the end of the as-of date."""
    schema = require_columns(activity, ("account_id", "occurred_at"), "activity")
    if "question_text" not in schema:
        raise InputError("The activity table has no question_text column, so there are no "
                         "question themes to find.")
    text = pl.col("question_text").cast(pl.String).str.strip_chars()
    frame = activity.with_columns(as_datetime("occurred_at", schema["occurred_at"]))
    if "actor_type" in schema:
        frame = frame.filter(is_customer())
    if as_of is not None:
        frame = frame.filter(pl.col("occurred_at") < window_end(as_of))
    return (frame.filter(text.is_not_null() & (text.str.len_chars() > 0))
            .select(pl.col("account_id").cast(pl.String), "occurred_at",
                    text.alias("question_text"),
                    text.str.to_lowercase().str.replace_all(r"\s+", " ").alias("_norm")))


def _vectorise(texts: list[str]):  # noqa: ANN202 - scipy sparse matrix
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectoriser = TfidfVectorizer(stop_words="english", ngram_range=(1, 2), sublinear_tf=True,
                                 token_pattern=r"(?u)\b[a-z][a-z0-9]+\b", max_features=50_000,
                                 dtype=np.float32)
    try:
        matrix = vectoriser.fit_transform(texts)
    except ValueError:  # only stop words or no words at all
        return None, np.array([], dtype=object)
    return matrix, vectoriser.get_feature_names_out()


def _reduce(matrix, settings: ThemeSettings) -> np.ndarray:  # noqa: ANN001 - sparse matrix
    """Project TF-IDF rows onto a few latent directions (LSA) and normalise them to unit length."""
    from sklearn.decomposition import TruncatedSVD

    dims = min(settings.dimensions, matrix.shape[0] - 1, matrix.shape[1] - 1)
    if dims >= 2:
        dense = TruncatedSVD(dims, random_state=settings.random_state).fit_transform(matrix)
    else:
        dense = matrix.toarray()
    norms = np.linalg.norm(dense, axis=1, keepdims=True)
    return (dense / np.where(norms == 0, 1, norms)).astype(np.float64)


def _cluster_sample(points: np.ndarray, settings: ThemeSettings) -> np.ndarray:
    """Agglomerative clustering (cosine, average linkage); the number picked by silhouette."""
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.metrics import silhouette_score
    from sklearn.metrics.pairwise import cosine_distances

    n = points.shape[0]
    top = min(settings.max_themes, n - 1)
    if top < 2:
        return np.zeros(n, dtype=np.int64)
    distances = cosine_distances(points)
    tree = AgglomerativeClustering(metric="precomputed", linkage="average",
                                   compute_full_tree=True, n_clusters=2)
    best_labels, best = np.zeros(n, dtype=np.int64), -2.0
    for k in range(2, top + 1):
        labels = tree.set_params(n_clusters=k).fit_predict(distances)
        score = float(silhouette_score(distances, labels, metric="precomputed"))
        if score > best + 1e-9:
            best_labels, best = labels.astype(np.int64), score
    return best_labels


def cluster_texts(texts: list[str], settings: ThemeSettings | None = None,
                  counts: list[int] | None = None
                  ) -> tuple[np.ndarray, list[list[str]], list[int]]:
    """Give each distinct text a theme number; return the numbers, each theme's top terms and
    each theme's representative text (an index into `texts`).

    A fixed sample of at most `sample_size` texts is clustered; every text then joins the
    theme whose centre is nearest, so 100,000 distinct texts cost little more than 2,000. The
    representative is the member closest to its theme's centre; of members equally close,
    the most asked (`counts`, how often each text was asked), then the first in order.
    """
    s = settings or ThemeSettings()
    asked = np.asarray(counts if counts is not None else [1] * len(texts), dtype=np.float64)
    matrix, terms = _vectorise(texts)
    if matrix is None or matrix.nnz == 0:
        return (np.zeros(len(texts), dtype=np.int64), [[]],
                [int(np.argmax(asked))] if len(texts) else [])
    points = _reduce(matrix, s)
    n = points.shape[0]
    rng = np.random.default_rng(s.random_state)
    rows = np.sort(rng.choice(n, size=min(n, s.sample_size), replace=False))
    sample_labels = _cluster_sample(points[rows], s)
    k = int(sample_labels.max()) + 1
    centres = np.vstack([points[rows][sample_labels == i].mean(axis=0) for i in range(k)])
    centres /= np.maximum(np.linalg.norm(centres, axis=1, keepdims=True), 1e-12)
    similarity = points @ centres.T
    labels = np.argmax(similarity, axis=1).astype(np.int64)
    closeness = np.round(similarity[np.arange(n), labels], 6)
    tops: list[list[str]] = []
    representatives: list[int] = []
    for theme in range(k):
        inside = np.flatnonzero(labels == theme)
        members = matrix[inside]
        if members.shape[0] == 0:
            tops.append([])
            representatives.append(-1)
            continue
        best = np.lexsort((inside, -asked[inside], -closeness[inside]))[0]
        representatives.append(int(inside[best]))
        weight = np.asarray(members.mean(axis=0)).ravel()
        order = np.lexsort((terms, -weight))
        chosen: list[str] = []
        for i in order:
            term = str(terms[i])
            if weight[i] <= 0 or len(chosen) >= s.top_terms:
                break
            if any(term in c or c in term for c in chosen):
                continue  # "export" and "export report" say the same thing
            chosen.append(term)
        tops.append(chosen)
    return labels, tops, representatives


def shorten_question(text: str, limit: int = LABEL_CHARS) -> str:
    """A question on one line, cut at a word to at most `limit` characters (with "…")."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    cut = line[: limit - 1]
    if " " in cut[limit // 2:]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-") + "…"


def _question_labels(questions: list[str]) -> list[str]:
    """Shortened representative questions, made distinct ("... (2)") where two coincide."""
    labels: list[str] = []
    seen: dict[str, int] = {}
    for question in questions:
        label = shorten_question(question)
        seen[label] = seen.get(label, 0) + 1
        labels.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return labels


def _slug(terms: list[str], used: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", "-".join(terms[:2]).lower()).strip("-") or "theme"
    slug, i = base, 2
    while slug in used:
        slug, i = f"{base}-{i}", i + 1
    used.add(slug)
    return slug


def assign_themes(activity: pl.LazyFrame | pl.DataFrame, *, as_of: dt.date | None = None,
                  settings: ThemeSettings | None = None) -> pl.DataFrame:
    """One row per customer question with text, with its theme_id and label (`as_of` None:
    the latest event's date)."""
    s = settings or ThemeSettings()
    act = activity.lazy()
    day = as_of_date(act, as_of)
    questions = question_frame(act, day).collect()
    out_schema: dict[str, Any] = {"account_id": pl.String, "occurred_at": pl.Datetime("us"),
                  "question_text": pl.String, "theme_id": pl.String, "label": pl.String,
                  "top_terms": pl.List(pl.String)}
    if questions.height == 0:
        return pl.DataFrame(schema=out_schema)
    distinct = questions.group_by("_norm").agg(pl.len().alias("n"),
                                               pl.col("question_text").min().alias("example"))
    distinct = distinct.sort("_norm")
    labels, tops, representatives = cluster_texts(distinct["_norm"].to_list(), s,
                                                  distinct["n"].to_list())
    used: set[str] = set()
    originals = distinct["example"].to_list()
    names = pl.DataFrame({
        "_theme": list(range(len(tops))),
        "theme_id": [_slug(t, used) if t else f"theme-{i + 1}" for i, t in enumerate(tops)],
        "label": _question_labels([originals[r] if r >= 0 else "(no questions)"
                                   for r in representatives]),
        "top_terms": tops,
    }, schema={"_theme": pl.Int64, "theme_id": pl.String, "label": pl.String,
               "top_terms": pl.List(pl.String)})
    mapping = distinct.select("_norm").with_columns(pl.Series("_theme", labels))
    return (questions.join(mapping, on="_norm").join(names, on="_theme")
            .select(list(out_schema)))


def find_themes(activity: pl.LazyFrame | pl.DataFrame, *, as_of: dt.date | None = None,
                settings: ThemeSettings | None = None) -> pl.DataFrame:
    """Summarise repeated-question themes: reach, time span, weekly counts, recurring or not
    (`as_of` None: the latest event's date, read once)."""
    s = settings or ThemeSettings()
    act = activity.lazy()
    day = as_of_date(act, as_of)
    assigned = assign_themes(act, as_of=day, settings=s)
    if assigned.height == 0:
        return pl.DataFrame(schema=THEME_SCHEMA)
    recent_from = day - dt.timedelta(weeks=s.recent_weeks)
    # Weeks counted back from the as-of date: week 0 is its last seven days, and so on.
    weeks_back = (pl.lit(day) - pl.col("occurred_at").dt.date()).dt.total_days() // 7
    in_window = weeks_back < s.window_weeks
    week = pl.col("occurred_at").dt.truncate("1w").dt.date()
    weekly = (assigned.with_columns(week.alias("week"))
              .group_by("theme_id", "week").agg(pl.len().cast(pl.UInt32).alias("questions"))
              .sort("theme_id", "week")
              .group_by("theme_id", maintain_order=True)
              .agg(pl.struct("week", "questions").alias("weekly")))
    examples = (assigned.group_by("theme_id", "question_text").agg(pl.len().alias("n"))
                .sort(["theme_id", "n", "question_text"], descending=[False, True, False])
                .group_by("theme_id", maintain_order=True).first()
                .select("theme_id", pl.col("question_text").alias("example")))
    themes = (assigned.group_by("theme_id")
              .agg(pl.col("label").first(), pl.col("top_terms").first(),
                   pl.col("account_id").n_unique().cast(pl.UInt32).alias("account_count"),
                   pl.len().cast(pl.UInt32).alias("question_count"),
                   pl.col("occurred_at").min().dt.date().alias("first_seen"),
                   pl.col("occurred_at").max().dt.date().alias("last_seen"),
                   week.n_unique().cast(pl.UInt32).alias("weeks_with_questions"),
                   (pl.col("occurred_at").dt.date() > recent_from).sum().cast(pl.UInt32)
                   .alias("recent_questions"),
                   weeks_back.filter(in_window).n_unique().cast(pl.UInt32)
                   .alias("window_weeks_asked"),
                   pl.col("account_id").filter(in_window).n_unique().cast(pl.UInt32)
                   .alias("window_accounts"))
              .join(weekly, on="theme_id").join(examples, on="theme_id")
              .with_columns(((pl.col("last_seen") - pl.col("first_seen")).dt.total_days() // 7
                             + 1).cast(pl.Int64).alias("weeks_active")))
    recent_total = max(int(themes["recent_questions"].sum()), 1)
    earlier_total = max(int(themes["question_count"].sum()) - recent_total, 1)
    themes = themes.with_columns(
        (pl.col("recent_questions") / recent_total).round(4).alias("recent_share"),
        ((pl.col("question_count") - pl.col("recent_questions")) / earlier_total).round(4)
        .alias("earlier_share"))
    themes = themes.with_columns(
        (pl.col("recent_share") >= s.rising_ratio * pl.col("earlier_share")).alias("rising"),
        pl.Series("recurrence", [
            f"asked in {weeks} of the last {s.window_weeks} weeks, by {accounts:,} "
            f"account{'' if accounts == 1 else 's'}"
            for weeks, accounts in zip(themes["window_weeks_asked"], themes["window_accounts"],
                                       strict=True)], pl.String),
        ((pl.col("window_weeks_asked") >= s.min_weeks)
         & (pl.col("window_accounts") >= s.accounts_needed)).alias("recurring"))
    return (themes.select(list(THEME_SCHEMA))
            .sort(["question_count", "theme_id"], descending=[True, False]))


def weekly_theme_counts(themes: pl.DataFrame) -> pl.DataFrame:
    """The `weekly` lists of a themes table as a long table: theme_id, label, week, questions."""
    if themes.height == 0:
        return pl.DataFrame(schema={"theme_id": pl.String, "label": pl.String,
                                    "week": pl.Date, "questions": pl.UInt32})
    return themes.select("theme_id", "label", "weekly").explode("weekly").unnest("weekly")
