"""A server process: how it starts and runs, its logs, headers, heartbeat and pools."""
