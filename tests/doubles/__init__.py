"""Local test doubles of the services the channels talk to (Telegram, WhatsApp)."""
