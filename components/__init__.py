"""Custom Rasa NLU components for Jaga.

Every channel that runs the model (Telegram, the web chat, `python -m bot ask`, a Rasa
server) goes through these, because they are listed in `config.yml`.
"""
