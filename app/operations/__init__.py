"""What the processes report about themselves: readiness checks (``health``) and Prometheus
metrics (``metrics``). The web serves them (``app.web.operations``); heartbeats and structured
logs are infrastructure every process uses (``app.heartbeat``, ``app.logs``).
"""
