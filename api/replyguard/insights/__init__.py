"""The team's insight: what the checks find and what gets posted, counted without keeping a word anyone wrote.

counting.py counts each check and posted reply in the process, store.py keeps the daily counts (SQLite or PostgreSQL),
report.py turns them into the numbers the dashboard shows, and metrics.py serves the same counts to Prometheus.
"""
