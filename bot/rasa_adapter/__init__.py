"""Everything that talks to Rasa: the in-process runtime, the REST channel, the TF guard."""
