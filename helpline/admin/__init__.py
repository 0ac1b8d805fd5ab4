"""Staff administration: accounts (pages for supervisors, and the `users` CLI)."""
