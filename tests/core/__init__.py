"""Pure rules: the model and its fold, merge laws, ids, time and literal text."""
