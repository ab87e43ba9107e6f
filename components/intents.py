"""The safety intents, highest priority first: the one list every layer uses.

A message on one of these gets its safety reply (999 and Talian Kasih 15999 in the first
bubble); the safety net and the risk level may raise a message to one. Only the safety net
lowers one, and only a disclosure whose message gives its own everyday reading; never crisis.
Pure Python, so front ends and tools can import it without loading Rasa.
"""

SAFETY_INTENTS: tuple[str, ...] = (
    "crisis",
    "disclose_sextortion",
    "report_abuse_content",
    "disclose_grooming",
)


def lowered_intent(ranking: list[dict], answered: bool = False) -> str:
    """Where the safety net sends a disclosure it lowers, in the bot and in the offline studies:
    `out_of_scope` when the everyday reading has an answer of its own (a scam: the
    `action_out_of_scope` gives it), else the best-ranked intent that is not a safety intent."""
    return "out_of_scope" if answered else best_everyday(ranking)


def best_everyday(ranking: list[dict]) -> str:
    """The best-ranked intent that is not a safety intent (`out_of_scope` when none is ranked):
    where a lowered disclosure goes when its reading has no answer of its own."""
    return next(
        (str(r["name"]) for r in ranking if r.get("name") not in SAFETY_INTENTS), "out_of_scope"
    )


# Training examples may form a class of their own ("out_of_scope#sms": block metadata
# `own_class`, components/classifier.py) whose probability is added back into the intent
# before the part after this mark; nothing with it ever reaches the bot.
CLASS_SPLIT = "#"
