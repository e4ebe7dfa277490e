"""Dialogue tests (issue 12, item 9): YAML conversations played through the console channel.

`python -m pytest tests/dialogue` runs them (known failures are strict xfails, see
known_failures.txt); `PYTHONPATH=. python bench/dialogues.py` prints the pass rates.
"""
