"""Advice from the framework: the channel advisor, journey maps, anti-pattern rules and diagnose."""
