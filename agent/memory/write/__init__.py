"""The write side: a turn's write from the model's proposal to what is stored (`turn`), the writers that ask
the model, and the checks every proposed fact passes (its quote, misreadings, the verifier, the loss guard,
review)."""
