"""Staff sign-in and sessions: passwords, two-factor, throttling, signing out everywhere."""
