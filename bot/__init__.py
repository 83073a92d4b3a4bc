"""sms-handlers: manage RingCentral SMS handlers of shared numbers from Slack."""

__version__ = "0.1.0"
