"""This laptop's encrypted files: store, storage, draft, backups and faults."""
