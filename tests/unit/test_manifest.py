"""manifest.yml and manifest.http.yml match what the code uses: command, scopes, events."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from bot.app import EVENTS_PATH
from bot.listeners.events import HOME_EVENT
from bot.slackapi.probe import BOT_SCOPES
from bot.views import ids
from sms_handlers_sandbox.slack.scopes import MANIFEST_BOT_SCOPES

ROOT = Path(__file__).resolve().parents[2]
BOT = ROOT / "bot"

# Slack Web API methods (as slack_sdk names them) → the bot scopes they need.
SCOPES_BY_METHOD = {
    "chat_postMessage": {"chat:write"},
    "chat_update": {"chat:write"},
    "chat_postEphemeral": {"chat:write"},
    "conversations_open": {"im:write"},
    # the approval channel, public or private (start-up checks)
    "conversations_info": {"channels:read", "groups:read"},
    "users_info": {"users:read", "users:read.email"},  # the app reads profile.email
    "users_lookupByEmail": {"users:read", "users:read.email"},
    "usergroups_list": {"usergroups:read"},
    "usergroups_users_list": {"usergroups:read"},
    "views_open": set(),
    "views_update": set(),
    "views_push": set(),
    "views_publish": set(),
    "auth_test": set(),
    # files.getUploadURLExternal, the upload, files.completeUploadExternal (history exports)
    "files_upload_v2": {"files:write"},
}
SLACK_METHOD_CALL = re.compile(
    r"\.((?:chat|conversations|users|usergroups|views|auth|files|reactions|team|apps)_\w+)\("
)


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))
    return data


def slack_methods_in_code() -> set[str]:
    """Web API methods the app calls (the stand-ins under bot/sandbox are not the app)."""
    found: set[str] = set()
    for path in BOT.rglob("*.py"):
        if "sandbox" in path.relative_to(BOT).parts:
            continue
        found.update(SLACK_METHOD_CALL.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_web_api_method_in_code_is_known() -> None:
    methods = slack_methods_in_code()
    assert methods, "no Slack Web API call found: the scan is broken"
    assert methods <= set(SCOPES_BY_METHOD), methods - set(SCOPES_BY_METHOD)


def test_bot_scopes_are_exactly_what_the_code_needs() -> None:
    needed = {"commands"}  # the slash command
    for method in slack_methods_in_code():
        needed |= SCOPES_BY_METHOD[method]
    for name in ("manifest.yml", "manifest.http.yml"):
        scopes = load(name)["oauth_config"]["scopes"]["bot"]
        assert len(scopes) == len(set(scopes))
        assert set(scopes) == needed, name


def test_slash_command_matches_the_listener() -> None:
    commands = load("manifest.yml")["features"]["slash_commands"]
    assert [c["command"] for c in commands] == [ids.COMMAND]
    command = commands[0]
    assert len(command["command"]) <= 32
    assert command["description"] and command["usage_hint"]
    assert command["should_escape"] is True  # `who @person` arrives as <@U123|name>
    assert "url" not in command  # Socket Mode


def test_socket_mode_manifest() -> None:
    manifest = load("manifest.yml")
    assert len(manifest["display_information"]["name"]) <= 35
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is True
    assert settings["interactivity"] == {"is_enabled": True}
    assert settings["event_subscriptions"] == {"bot_events": [HOME_EVENT]}
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["features"]["bot_user"]["display_name"]


def test_both_manifests_let_an_enterprise_grid_organization_install_the_app() -> None:
    # Org-ready: an org admin may install it once for the organization; a single workspace
    # installs it as before (README, "Enterprise Grid").
    for name in ("manifest.yml", "manifest.http.yml"):
        assert load(name)["settings"]["org_deploy_enabled"] is True, name


def test_http_manifest_points_every_url_at_the_events_path() -> None:
    socket, http = load("manifest.yml"), load("manifest.http.yml")
    settings = http["settings"]
    assert settings["socket_mode_enabled"] is False
    urls = [
        http["features"]["slash_commands"][0]["url"],
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
        settings["interactivity"]["message_menu_options_url"],
    ]
    assert all(url.startswith("https://") and url.endswith(EVENTS_PATH) for url in urls)
    # Apart from the URLs and the mode, the two manifests describe the same app.
    del http["features"]["slash_commands"][0]["url"]
    del settings["event_subscriptions"]["request_url"]
    del settings["interactivity"]["request_url"]
    del settings["interactivity"]["message_menu_options_url"]
    settings["socket_mode_enabled"] = True
    assert http == socket


def test_the_scopes_checked_at_start_up_and_the_stand_ins_grant_are_the_manifests() -> None:
    manifest = load("manifest.yml")["oauth_config"]["scopes"]["bot"]
    assert list(BOT_SCOPES) == manifest
    assert list(MANIFEST_BOT_SCOPES) == manifest
