"""Channel adapters driven through local doubles of the real APIs."""
