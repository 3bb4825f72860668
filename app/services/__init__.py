"""Domain services: the operations the web, the CLI and the workers share."""
