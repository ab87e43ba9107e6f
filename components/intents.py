"""The safety intents, highest priority first: the one list every layer uses.

A message on one of these gets its safety reply (999 and Talian Kasih 15999 in the first
bubble); the safety net and the risk level may raise a message to one, never lower it.
Pure Python, so front ends and tools can import it without loading Rasa.
"""

SAFETY_INTENTS: tuple[str, ...] = (
    "crisis",
    "disclose_sextortion",
    "report_abuse_content",
    "disclose_grooming",
)
