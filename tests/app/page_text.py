"""What a page shows a leader, read from an AppTest run, to check it is words, not codes."""

from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest

CODE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")  # customer_success_manager, account_count


def codes_shown(at: AppTest) -> list[str]:
    """The codes (`mid_market`, `trigger_kind`) a page shows where a leader reads words: in
    its texts, captions, expander and tab labels, table headers and table cells."""
    shown = [e.value for kind in ("markdown", "caption", "text", "subheader", "header", "info",
                                  "warning", "success") for e in at.get(kind)]
    shown += [e.label for e in at.get("expander")] + [e.label for e in at.get("tab")]
    for table in at.dataframe:
        frame = table.value
        shown += [str(c) for c in frame.columns]
        shown += [v for c in frame.columns for v in frame[c].tolist() if isinstance(v, str)]
    plain = [text.replace("\\", "") for text in shown]  # Markdown escapes: mid\_market
    return [f"{code} (in {text[:80]!r})" for text in plain for code in CODE.findall(text)]
