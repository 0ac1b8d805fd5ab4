"""The staff side: sign-in, the therapist console, accounts."""
