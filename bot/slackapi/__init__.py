"""Slack Web API adapters implementing the protocols the services depend on."""
