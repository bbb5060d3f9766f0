"""Chart specs shared by the app, the notebooks and the reports. Each function returns an
Altair chart built from package data; nothing here draws or imports a UI.

- `style`: the colours (one meaning each, colour-blind safe), axes and legends that label
  every category, and thinning of charts with more marks than a browser draws well.
- `framework`: the fit heat map, the advisor's ranking, the self-assessment profile.
- `accounts`: the portfolio, one account's touches and signals, repeated questions.
- `trap`: efficiency beside relationship, the need behind questions, repair.
"""

from playbooks.charts.accounts import (
    STATUS_COLOURS,
    account_timeline_chart,
    account_trend_chart,
    portfolio_chart,
    portfolio_frame,
    themes_chart,
)
from playbooks.charts.framework import (
    FIT_COLOURS,
    assessment_profile_chart,
    fit_frame,
    fit_heatmap,
    recommendation_chart,
)
from playbooks.charts.style import MAX_MARKS
from playbooks.charts.trap import (
    NEED_COLOURS,
    TRAP_KIND_COLOURS,
    need_mix_chart,
    repair_chart,
    trap_composite_frame,
    trap_index_frame,
    trap_picture_chart,
    trap_signature_chart,
)

__all__ = [
    "FIT_COLOURS", "MAX_MARKS", "NEED_COLOURS", "STATUS_COLOURS", "TRAP_KIND_COLOURS",
    "account_timeline_chart", "account_trend_chart", "assessment_profile_chart", "fit_frame",
    "fit_heatmap", "need_mix_chart", "portfolio_chart", "portfolio_frame",
    "recommendation_chart", "repair_chart", "themes_chart", "trap_composite_frame",
    "trap_index_frame", "trap_picture_chart", "trap_signature_chart",
]
