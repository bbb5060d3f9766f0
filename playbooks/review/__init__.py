"""The quarterly review pack: gather a team's quarter, then render it as HTML, Markdown and CSV."""
