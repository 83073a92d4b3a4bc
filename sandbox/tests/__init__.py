"""Tests of the RingCentral sandbox, the Slack stand-in and the demo console."""
