"""What every app's pages share, below every app in the layers: paging, htmx, the 400 page and
the form helpers that keep odd input to a plain message. Django only; no app's models."""
