"""Jaga's custom actions (rasa-sdk), one module per topic.

`rasa run actions --actions actions` imports this package; importing the modules here registers
every Action subclass with the action executor.
"""

from actions import age, guidance, menu, privacy, safety, session  # noqa: F401
