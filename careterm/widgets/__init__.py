"""Reusable widgets of the careterm app."""
