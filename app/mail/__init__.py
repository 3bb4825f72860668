"""Everything between a campaign and an SMTP server: render, message, sign, transport, queue."""
