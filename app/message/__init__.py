"""Pure message code: templates to MIME bytes, encoding, DKIM, DSN/ARF parsing (no session, no request)."""
