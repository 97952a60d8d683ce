"""Every write a member makes: capture, casework, import, the demo."""
