"""The screens of the careterm app, one per file."""
