"""One screen per module; screens hold no rules and reach the app through messages."""
