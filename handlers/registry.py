"""The one registration point: every journey's router, in the order they are consulted."""

from __future__ import annotations

from handlers import apply, human, menu, my_applications, privacy
from handlers.base import Router


def routers() -> list[Router]:
    """All journeys; earlier routers win when two register the same intent or action."""
    from handlers import centers, courses, faq  # written alongside; imported here only

    return [
        menu.router,
        apply.router,
        my_applications.router,
        privacy.router,
        human.router,
        courses.router,
        centers.router,
        faq.router,
    ]
