"""Getting messages out: the delivery queue, the worker, transports (SMTP pool, outbox) and limits."""
