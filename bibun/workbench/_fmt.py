"""Probabilities as people can read them: 0.9731, but 1 − 3.2e-08 rather than a misleading 1.0000."""


def prob(p):
    if p is None:                       # undefined (a diverged run's metrics read back from JSON)
        return "—"
    p = float(p)
    if 0.99995 <= p < 1.0:
        return f"1 − {1.0 - p:.1e}"
    if 0.0 < p < 5e-5:
        return f"{p:.1e}"
    return f"{p:.4f}"
