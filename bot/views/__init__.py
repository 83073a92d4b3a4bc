"""Pure Block Kit builders: domain and service records in, `slack_sdk.models` objects out.

No I/O here. Names, extension numbers and phone numbers read as bot.labels and bot.phone say.
"""
