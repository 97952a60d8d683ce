"""Sync through the shared folder, keys, revoke and what a hostile folder does."""
