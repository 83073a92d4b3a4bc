"""This process's name among the bot instances sharing a database."""

from __future__ import annotations

import functools
import os
import secrets
import socket

HOST_SHOWN = 64  # of the host name; the whole id fits the database's 128-character owner columns


@functools.cache
def instance_id() -> str:
    """`host:pid:random`, the same for the whole process: it names the owner of the requests
    this process applies (and of anything else it claims in the database)."""
    host = (socket.gethostname() or "localhost")[:HOST_SHOWN]
    return f"{host}:{os.getpid()}:{secrets.token_hex(3)}"
