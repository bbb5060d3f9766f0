"""The need behind each customer question, per function and channel, and where judgment,
reassurance or peer-experience questions now meet automation alone.

Each distinct question text is classified once (`playbooks.questions.classify`), then joined
back, so the cost grows with the number of different texts, not with the number of questions.
Whether a channel fits a need comes from the framework's fit table, not from this module.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from playbooks.framework.model import Knowledge, load_knowledge
from playbooks.questions.classify import UNKNOWN, classify_questions
from playbooks.trap.findings import function_label
from playbooks.trap.measures import prepare_weekly
from playbooks.vocabulary import QUESTION_KINDS

PERSONAL_NEEDS = ("judgment", "reassurance", "peer_experience")
NO_TEXT = "no_text"


def classify_texts(texts: pl.Series) -> pl.DataFrame:
    """Classify each distinct text once: question_text, need, confidence."""
    distinct = texts.drop_nulls().unique().sort()
    results = classify_questions(distinct.to_list())
    return pl.DataFrame({"question_text": distinct,
                         "need": [r.need for r in results],
                         "confidence": [r.confidence for r in results]},
                        schema={"question_text": pl.String, "need": pl.String,
                                "confidence": pl.Float64})


def classified_questions(activity: pl.LazyFrame | pl.DataFrame, *,
                         as_of: dt.date | None = None) -> pl.DataFrame:
    """Every customer question with its week, function, channel, automation flag and need.

    Questions without text get the need `no_text`; texts the classifier cannot read get
    `unknown`. `as_of` None: the latest event's date.
    """
    prepared, _ = prepare_weekly(activity, as_of)
    questions = (prepared.filter((pl.col("actor_type") == "customer")
                                 & pl.col("kind").is_in(list(QUESTION_KINDS)))
                 .select("account_id", "week", pl.col("source_function").alias("function"),
                         "channel", "automated", "kind", "question_text")
                 .collect())
    return classify_question_rows(questions)


def classify_question_rows(questions: pl.DataFrame) -> pl.DataFrame:
    """Add the need (and the classifier's confidence) to question rows, each distinct
    `question_text` classified once: `no_text` without text, `unknown` when unreadable."""
    needs = classify_texts(questions["question_text"])
    text = pl.col("question_text")
    found = questions.with_columns(  # looked up, not joined: the other columns stay as they are
        text.replace_strict(needs["question_text"], needs["need"], default=None,
                            return_dtype=pl.String).alias("need"),
        text.replace_strict(needs["question_text"], needs["confidence"], default=None,
                            return_dtype=pl.Float64).alias("confidence"))
    return found.with_columns(pl.when(text.is_null()).then(pl.lit(NO_TEXT))
                              .otherwise(pl.col("need").fill_null(UNKNOWN)).alias("need"))


def need_mix(questions: pl.DataFrame) -> pl.DataFrame:
    """Count questions per function, channel, automation and need, with shares.

    `share_of_channel`: this need's share of the questions on that channel in that function;
    `share_of_need`: the share of this need's questions in that function that went there.
    """
    keys = ["function", "channel", "automated", "need"]
    counts = questions.group_by(keys).agg(pl.len().alias("questions"))
    return counts.with_columns(
        (pl.col("questions") / pl.col("questions").sum().over("function", "channel",
                                                               "automated"))
        .alias("share_of_channel"),
        (pl.col("questions") / pl.col("questions").sum().over("function", "need"))
        .alias("share_of_need"),
    ).sort(keys)


def automation_alone(questions: pl.DataFrame, kb: Knowledge | None = None) -> pl.DataFrame:
    """Name where judgment, reassurance or peer-experience questions are answered by automation
    alone on a channel the framework rates a poor or partial fit for that need.

    One row per (function, channel, need), largest first, with the count, the need's questions
    in the function (`need_total`) and their share that went there (`share_of_need`), the
    function's customer questions (`function_total`) and this row's share of them
    (`share_of_function`: the rows of one function never add to more than 100%), the count in
    the first and the latest quarter seen, the fit level, the framework's rationale and a
    sentence.
    """
    kb = kb or load_knowledge()
    schema = {"function": pl.String, "channel": pl.String, "need": pl.String,
              "questions": pl.UInt32, "need_total": pl.UInt32, "share_of_need": pl.Float64,
              "function_total": pl.UInt32, "share_of_function": pl.Float64,
              "first_quarter": pl.UInt32,
              "latest_quarter": pl.UInt32, "fit": pl.String, "rationale": pl.String,
              "sentence": pl.String}
    per_function = questions.group_by("function").agg(pl.len().alias("function_total"))
    personal = questions.filter(pl.col("need").is_in(list(PERSONAL_NEEDS)))
    if personal.is_empty():
        return pl.DataFrame(schema=schema)
    quarter = pl.col("week").dt.truncate("1q")
    first, latest = personal.select(quarter.min()).item(), personal.select(quarter.max()).item()
    per_need = personal.group_by("function", "need").agg(pl.len().alias("need_total"))
    alone = (personal.filter(pl.col("automated"))
             .with_columns(quarter.alias("quarter"))
             .group_by("function", "channel", "need")
             .agg(pl.len().alias("questions"),
                  (pl.col("quarter") == first).sum().alias("first_quarter"),
                  (pl.col("quarter") == latest).sum().alias("latest_quarter"))
             .join(per_need, on=["function", "need"])
             .join(per_function, on="function")
             .with_columns((pl.col("questions") / pl.col("need_total")).alias("share_of_need"),
                           (pl.col("questions") / pl.col("function_total"))
                           .alias("share_of_function")))
    rows = []
    for r in alone.sort("questions", "function", "channel", "need",
                        descending=[True, False, False, False]).iter_rows(named=True):
        cell = kb.fit.get(r["need"], {}).get(r["channel"])
        if cell is not None and cell.level == "strong":
            continue
        fit = cell.level if cell is not None else "unrated"
        need_label = kb.needs[r["need"]].label if r["need"] in kb.needs else r["need"]
        channel_label = (kb.channels[r["channel"]].label if r["channel"] in kb.channels
                         else r["channel"].replace("_", " "))
        trend = (f"; {r['first_quarter']:,} in the first quarter of the data, "
                 f"{r['latest_quarter']:,} in the latest") if first != latest else ""
        rows.append({
            "function": r["function"], "channel": r["channel"], "need": r["need"],
            "questions": r["questions"], "need_total": r["need_total"],
            "share_of_need": r["share_of_need"], "function_total": r["function_total"],
            "share_of_function": r["share_of_function"],
            "first_quarter": r["first_quarter"], "latest_quarter": r["latest_quarter"],
            "fit": fit, "rationale": cell.rationale if cell is not None else "",
            "sentence": (f"{function_label(r['function'])}: {_of(r['questions'], r['need_total'])} "
                         f"{need_label.lower()} questions got only an "
                         f"automated answer, through {channel_label} "
                         f"({_share(r['share_of_function'])} of the "
                         f"{r['function_total']:,} questions the function received){trend}. "
                         f"The framework rates that channel a {fit} fit for this need."),
        })
    return pl.DataFrame(rows, schema=schema)


def _share(share: float) -> str:
    """A share as a whole percentage, `under 1%` rather than a misleading `0%`."""
    return "under 1%" if 0 < share < 0.005 else f"{share:.0%}"


def _of(part: int, whole: int) -> str:
    """`12 of its 40`, or `all 40 of its` when the part is the whole."""
    return f"all {whole:,} of its" if part == whole else f"{part:,} of its {whole:,}"
