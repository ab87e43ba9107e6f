"""Maintainer tools: data checks before training and accuracy reports after it.

`python -m tools.check_data` runs before every `make train`; `python -m tools.evaluate` is
`make eval`. Shared helpers (loading test sets, running a model, metrics) are in
`tools.nlu_eval`; every threshold lives in `quality.yml` at the repository root.
"""
