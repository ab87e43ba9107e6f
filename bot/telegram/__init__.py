"""Jaga on Telegram: a python-telegram-bot front end to the conversation module.

`app.build_application(settings, assistant)` builds the Application, `app.run(settings)`
runs it (polling, or webhook mode when TELEGRAM_WEBHOOK_URL is set). See docs/telegram.md.
"""
