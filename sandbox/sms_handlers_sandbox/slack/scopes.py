"""OAuth scopes: what the stand-in's token is granted, and what each Web API method accepts.

Slack names a token's scopes in the `x-oauth-scopes` header of every Web API answer, and the
scopes a method accepts in `x-accepted-oauth-scopes`; a call whose token has none of them
answers `missing_scope` with `needed` and `provided`.
"""

from __future__ import annotations

from collections.abc import Iterable

# The bot scopes of manifest.yml (tests/unit/test_manifest.py keeps the two the same).
MANIFEST_BOT_SCOPES = (
    "commands",
    "chat:write",
    "users:read",
    "users:read.email",
    "usergroups:read",
    "im:write",
    "channels:read",
    "groups:read",
    "files:write",
)

# Any one of these lets a token call the method (empty: no scope needed).
METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "auth.test": (),
    "chat.postMessage": ("chat:write",),
    "chat.postEphemeral": ("chat:write",),
    "chat.update": ("chat:write",),
    "views.open": (),
    "views.update": (),
    "views.push": (),
    "views.publish": (),
    "users.info": ("users:read",),
    "users.lookupByEmail": ("users:read.email",),
    "usergroups.list": ("usergroups:read",),
    "usergroups.users.list": ("usergroups:read",),
    "conversations.open": ("channels:manage", "groups:write", "im:write", "mpim:write"),
    # Which one depends on the conversation: see CONVERSATION_READ_SCOPE.
    "conversations.info": ("channels:read", "groups:read", "im:read", "mpim:read"),
    "files.getUploadURLExternal": ("files:write",),
    "files.completeUploadExternal": ("files:write",),
}

# conversations.info: the scope reading each kind of conversation needs.
CONVERSATION_READ_SCOPE = {
    "public": "channels:read",
    "private": "groups:read",
    "im": "im:read",
    "mpim": "mpim:read",
}


def header_value(scopes: Iterable[str]) -> str:
    """Scopes as Slack lists them in its headers and `provided`: comma-separated, no spaces."""
    return ",".join(scopes)
