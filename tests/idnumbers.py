"""Valid and invalid T.C. kimlik numbers for tests, computed by the official rule."""

from __future__ import annotations


def make_national_id(first_nine: str) -> str:
    """Completes nine digits (first not 0) with the two check digits."""
    d = [int(c) for c in first_nine]
    d10 = ((d[0] + d[2] + d[4] + d[6] + d[8]) * 7 - (d[1] + d[3] + d[5] + d[7])) % 10
    d11 = (sum(d) + d10) % 10
    return f"{first_nine}{d10}{d11}"


VALID_ID = make_national_id("123456789")  # 12345678950
OTHER_VALID_ID = make_national_id("284619375")
FOREIGNER_ID = make_national_id("991234567")
