"""What each channel can render and ask for; the engine hands these to handlers."""

from __future__ import annotations

from core.channel import Capabilities

CONSOLE = Capabilities(buttons_per_message=100, text_limit=100_000)
TELEGRAM = Capabilities(
    buttons_per_message=100,  # inline keyboards; more is unreadable long before the limit
    edits=True,
    location_request=True,
    contact_request=True,
    text_limit=4096,
)
WHATSAPP = Capabilities(
    buttons_per_message=3,  # reply buttons; more become a list
    list_rows=10,
    location_request=True,
    sender_phone_known=True,  # a wa_id is the sender's own number
    text_limit=4096,
)
# By the prefix of a user key.
BY_CHANNEL: dict[str, Capabilities] = {
    "console": CONSOLE,
    "telegram": TELEGRAM,
    "whatsapp": WHATSAPP,
}
