"""Who may do what: the roles and the one permission table, below every app in the layers (the
access log's pages check them as every other app's do)."""
