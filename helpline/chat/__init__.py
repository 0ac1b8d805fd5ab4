"""The chatter's side: the page, the intake and the /chat socket namespace."""
