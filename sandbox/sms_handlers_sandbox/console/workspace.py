"""The demo's Slack workspace: the people a person can play and the channels they use."""

from __future__ import annotations

from dataclasses import dataclass

from sms_handlers_sandbox.slack import SlackStandIn


@dataclass(frozen=True)
class DemoUser:
    """A person in the demo workspace and the role they play."""

    slack_id: str
    name: str
    email: str
    role: str

    @property
    def label(self) -> str:
        """e.g. Riley (team lead)."""
        return f"{self.name} ({self.role})"

    @property
    def username(self) -> str:
        """The Slack handle, e.g. riley."""
        return self.name.split()[0].lower()


@dataclass(frozen=True)
class DemoWorkspace:
    """The demo's Slack side: who plays, where commands are typed, where requests go."""

    users: list[DemoUser]
    command_channel: str
    approval_channel: str
    approvers: str  # the SMS_HANDLERS_APPROVERS value for the demo app


# Emails match extensions of the RingCentral sandbox's demo seed, so "Add me" finds them.
DEMO_USERS = [
    DemoUser("U0DEMO0001", "Elena Petrova", "elena.petrova@acme.example", "team lead"),
    DemoUser("U0DEMO0002", "Noah Fischer", "noah.fischer@acme.example", "telephony admin"),
    DemoUser("U0DEMO0003", "Ben Ortiz", "ben.ortiz@acme.example", "support agent"),
]


def seed_demo_workspace(slack: SlackStandIn) -> DemoWorkspace:
    """Add the demo users, the @telephony-admins group and the two channels to the stand-in."""
    for user in DEMO_USERS:
        slack.add_user(id=user.slack_id, name=user.username, real_name=user.name, email=user.email)
    slack.add_usergroup(id="S0DEMO0001", handle="telephony-admins", users=["U0DEMO0002"])
    slack.add_channel(id="C0GENERAL", name="general")
    slack.add_channel(id="C0APPROVALS", name="sms-approvals")
    return DemoWorkspace(
        users=list(DEMO_USERS),
        command_channel="C0GENERAL",
        approval_channel="C0APPROVALS",
        approvers="@telephony-admins",
    )
