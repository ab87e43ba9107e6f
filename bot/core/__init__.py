"""The conversation core: the turn contract, replies, settings, stats and the message catalogue."""
