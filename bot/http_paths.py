"""The HTTP paths the app serves, named here so the command line can print them without loading
the app (and Slack's SDK with it)."""

EVENTS_PATH = "/slack/events"  # commands, interactivity, options and events
HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"  # Prometheus' text format
