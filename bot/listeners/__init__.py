"""Bolt listeners, one module per kind: parse the payload, call a service, render a view."""
