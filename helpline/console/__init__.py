"""The therapist console: its page and its /staff socket handlers."""
