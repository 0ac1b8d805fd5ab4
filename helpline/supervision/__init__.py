"""Supervision: the live overview, acting on chats (triage, monitor, whisper, join, risk)."""
