"""The self-assessment: the question bank, scoring, quarters and the account data's evidence."""
