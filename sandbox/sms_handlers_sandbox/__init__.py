"""Local stand-ins for the services sms-handlers talks to (RingCentral, Slack)."""
