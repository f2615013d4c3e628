"""The partner's feedback on a delivered mission, and its ratings of each expert."""
