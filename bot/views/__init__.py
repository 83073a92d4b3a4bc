"""Pure Block Kit builders: domain records in, `slack_sdk.models` objects out. No I/O here."""
