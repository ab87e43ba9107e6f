"""Telegram update handlers, one module per kind of update; `bot.telegram.app` registers them.

Groups: the flood gate (`gate`, -2) sees every update first; the quiz (`quiz`, -1) takes its
own commands and buttons; everything else is group 0. Nothing is imported here, so no handler
module imports the package that imports it.
"""
