"""Jaga's front ends (Telegram, web chat, terminal) and the conversation module they share."""
