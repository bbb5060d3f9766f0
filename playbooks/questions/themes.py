"""Repeated-question themes: group customers' question texts, label them, follow them in time.

The grouping is TF-IDF over the distinct question texts (words and word pairs, English stop
words removed), reduced to a few latent directions (LSA), then agglomerative clustering by
cosine distance on a fixed sample, the number of themes picked by the silhouette score
between 2 and `max_themes`; every other text joins the nearest theme. Random states are fixed,
so the same input always gives the same themes. Each theme is labelled with its top terms and
followed per week: how many accounts it touches, from when to when, and whether it keeps
coming back widely enough to point at a product or education gap (`recurring`).
"""

from __future__ import annotations

import datetime as dt
import math
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
    "recurring": pl.Boolean,
}


@dataclass(frozen=True)
class ThemeSettings:
    """How themes are found and when one counts as recurring."""

    max_themes: int = 20
    min_accounts: int | None = None  # default: max(5, 2% of the accounts that asked anything)
    min_weeks: int = 8  # distinct weeks with a question on the theme
    recent_weeks: int = 8  # still asked within this many weeks of the as-of date
    top_terms: int = 4
    rising_ratio: float = 1.5  # recent share of questions against the earlier share
    sample_size: int = 2_000  # distinct texts clustered; the rest join the nearest theme
    dimensions: int = 100  # latent directions (LSA) the texts are compared in
    random_state: int = 0


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


def cluster_texts(texts: list[str], settings: ThemeSettings | None = None
                  ) -> tuple[np.ndarray, list[list[str]]]:
    """Give each distinct text a theme number; return the numbers and each theme's top terms.

    A fixed sample of at most `sample_size` texts is clustered; every text then joins the
    theme whose centre is nearest, so 100,000 distinct texts cost little more than 2,000.
    """
    s = settings or ThemeSettings()
    matrix, terms = _vectorise(texts)
    if matrix is None or matrix.nnz == 0:
        return np.zeros(len(texts), dtype=np.int64), [[]]
    points = _reduce(matrix, s)
    n = points.shape[0]
    rng = np.random.default_rng(s.random_state)
    rows = np.sort(rng.choice(n, size=min(n, s.sample_size), replace=False))
    sample_labels = _cluster_sample(points[rows], s)
    k = int(sample_labels.max()) + 1
    centres = np.vstack([points[rows][sample_labels == i].mean(axis=0) for i in range(k)])
    centres /= np.maximum(np.linalg.norm(centres, axis=1, keepdims=True), 1e-12)
    labels = np.argmax(points @ centres.T, axis=1).astype(np.int64)
    tops: list[list[str]] = []
    for theme in range(k):
        members = matrix[labels == theme]
        if members.shape[0] == 0:
            tops.append([])
            continue
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
    return labels, tops


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
    labels, tops = cluster_texts(distinct["_norm"].to_list(), s)
    used: set[str] = set()
    names = pl.DataFrame({
        "_theme": list(range(len(tops))),
        "theme_id": [_slug(t, used) if t else f"theme-{i + 1}" for i, t in enumerate(tops)],
        "label": [" / ".join(t[:3]) if t else "(no words)" for t in tops],
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
    askers = assigned["account_id"].n_unique()
    min_accounts = s.min_accounts if s.min_accounts is not None else max(
        5, math.ceil(0.02 * askers))
    recent_from = day - dt.timedelta(weeks=s.recent_weeks)
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
                   .alias("recent_questions"))
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
        ((pl.col("account_count") >= min_accounts)
         & (pl.col("weeks_with_questions") >= s.min_weeks)
         & (pl.col("recent_questions") > 0)).alias("recurring"))
    return (themes.select(list(THEME_SCHEMA))
            .sort(["question_count", "theme_id"], descending=[True, False]))


def weekly_theme_counts(themes: pl.DataFrame) -> pl.DataFrame:
    """The `weekly` lists of a themes table as a long table: theme_id, label, week, questions."""
    if themes.height == 0:
        return pl.DataFrame(schema={"theme_id": pl.String, "label": pl.String,
                                    "week": pl.Date, "questions": pl.UInt32})
    return themes.select("theme_id", "label", "weekly").explode("weekly").unnest("weekly")
