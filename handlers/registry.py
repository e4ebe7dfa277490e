"""The one registration point: every journey's router, in the order they are consulted."""

from __future__ import annotations

from core.messages import Payload, Reply
from handlers import apply, human, language, menu, my_applications, my_classes, privacy
from handlers.base import Context, Router

_glue = Router("glue")


@_glue.button("__location__")
async def _location(ctx: Context, _: Payload) -> list[Reply]:
    """A shared location goes to the nearest-centre answer."""
    from handlers.centers import on_location

    return await on_location(ctx)


def routers() -> list[Router]:
    """All journeys; earlier routers win when two register the same intent or action."""
    from handlers import centers, courses, faq  # written alongside; imported here only

    return [
        menu.router,
        language.router,
        apply.router,
        my_applications.router,
        privacy.router,
        human.router,
        my_classes.router,
        courses.router,
        centers.router,
        faq.router,
        _glue,
    ]
