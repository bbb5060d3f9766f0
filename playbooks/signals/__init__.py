"""Account signals: quiet disengagement, "looks healthy, drifting", silence, continuity gaps.

Everything here is a pure function over polars LazyFrames. Small named expression builders
are composed into lazy plans and collected at the edge: `build_signals` gives the whole
pipeline as one LazyFrame; `compute_signals` runs the same stages, collecting the two passes
over the activity table first (see `stages`), which is faster and lighter at scale. Both add
the registered custom signals (`custom`), so they give the same table.

`as_of` is a `datetime.date`, or None for the latest event's date, resolved once by the
function called; text is parsed at the edge with `resolve_as_of`.

Modules: `model` (signals, settings, the window, output columns), `inputs` (column checks,
types, as-of date), `stages` (the passes over activity and the per-account values), `score`
(changes, flags, reasons), `features`, `score_model` (the fitted score's terms, priors,
files), `backtest` (past cut-offs and outcomes), `fit`, `learn` (which score a run uses),
`card` and `card_chart` (the backtest card), `custom` (a company's own signals), `engine`
(the pipeline), `series` (each signal per account and block, for charts). The kinds each signal
counts come from `playbooks.vocabulary`.

How the numbers are made (all per account, customer actions only; staff and bots excluded):

- Time is cut into blocks of `block_weeks` (default 4) counted back from the as-of date.
  The recent window is the latest `recent_weeks`, the baseline the `baseline_weeks` before.
- `<signal>_recent` is a recency-weighted mean per block over the recent window (the latest
  block counts twice the one before it, and so on), so a decline that started a few weeks ago
  is not diluted. `<signal>_baseline` is the plain mean per block of the baseline window.
  Blocks before the account started are left out; a new account has no baseline.
- `<signal>_change` is the relative change, recent against baseline (-0.4 is a 40% fall).
  `<signal>_against` is true when the fall is larger than the signal's threshold.
- The disengagement score (0 to 100) is the chance, in percent, of no customer activity
  over the next H weeks: a calibrated logistic model (`score_model`) of the features in
  `features`, fitted on the data's own history at past cut-offs (`backtest`, `fit`, `learn`)
  or, where that history is too short, the shipped priors. Its reasons are the model's
  largest contributions in points, which add up with `score_base` to the score; `card`
  measures it against days since the last activity and the health score (docs/score.md).
  Signals whose source is absent from the data are listed in `sources_missing`.
"""

from __future__ import annotations

from playbooks.signals.custom import (
    CUSTOM_SIGNALS,
    CustomSignal,
    custom_columns,
    register_signal,
    unregister_signal,
    with_custom_signals,
)
from playbooks.signals.engine import (
    ENGINE,
    build_signals,
    compute_signals,
    list_continuity_gaps,
    prepare_inputs,
)
from playbooks.signals.inputs import (
    ACCOUNT_COLUMNS,
    ACTIVITY_COLUMNS,
    block_index,
    days_before,
    prepare_accounts,
    prepare_activity,
)
from playbooks.signals.model import (
    RELATIONSHIP_CONTACT,
    SIGNAL_NAMES,
    SIGNALS,
    Signal,
    SignalSettings,
    SignalWindow,
    output_columns,
    signal_window,
)
from playbooks.signals.score import status_expr
from playbooks.signals.series import account_block_series
from playbooks.vocabulary.activity import (
    as_datetime,
    as_of_date,
    is_customer,
    latest_event_date,
    parse_as_of,
    require_columns,
    resolve_as_of,
    window_end,
)

__all__ = [
    "ACCOUNT_COLUMNS", "ACTIVITY_COLUMNS", "CUSTOM_SIGNALS", "ENGINE", "RELATIONSHIP_CONTACT",
    "SIGNALS", "SIGNAL_NAMES", "CustomSignal", "Signal", "SignalSettings", "SignalWindow",
    "account_block_series", "as_datetime", "as_of_date", "block_index", "build_signals",
    "compute_signals", "custom_columns", "days_before", "is_customer", "latest_event_date",
    "list_continuity_gaps", "output_columns", "parse_as_of", "prepare_accounts",
    "prepare_activity", "prepare_inputs", "register_signal", "require_columns",
    "resolve_as_of", "signal_window", "status_expr", "unregister_signal", "window_end",
    "with_custom_signals",
]
