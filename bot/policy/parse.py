"""Reading the policy file into a `Policy`, every problem with its line and column.

The YAML is composed into nodes (PyYAML's composer keeps where each node starts) and read from
those, so an unknown key, a wrong type, a bad duration or glob names its place. Pure apart from
`read_policy_file`, which reads the file.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.domain import RESOURCE_TYPES
from bot.errors import SmsHandlersError
from bot.policy.durations import DurationError, parse_duration
from bot.policy.globs import Glob, GlobError, compile_glob
from bot.policy.model import (
    RISK_ORDER,
    RULE_FIELDS,
    Policy,
    Problem,
    ResourceMatch,
    RiskKind,
    Rule,
    RuleSettings,
    Where,
)
from bot.policy.validate import check_policy

USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
GROUP_HANDLE = re.compile(r"@[a-z0-9][a-z0-9._-]*")
CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{2,}")
RULE_NAME_MAX = 80

TOP_KEYS = ("default", "rules", "risky")
MATCH_KEYS = ("name", "id", "type", "site")
NEVER = "never"  # request_ttl, remind_every, escalate_after: turned off
UNLIMITED = "unlimited"  # max_temporary: no limit

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"


class PolicyFileError(SmsHandlersError):
    """The policy file cannot be used; `problems` lists everything wrong, in file order. The
    message is one line: the first problem, and how many more there are."""

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        more = len(self.problems) - 1
        rest = ""
        if more:
            plural = "s" if more > 1 else ""
            rest = f" (and {more} more problem{plural}: sms-handlers policy check {source})"
        super().__init__(f"Invalid policy file {self.problems[0]}{rest}")


def read_policy_file(path: Path) -> Policy:
    """The policy in this file, or PolicyFileError."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyFileError(source, [Problem(Where(source), "no such file")]) from None
    except UnicodeDecodeError:
        raise PolicyFileError(source, [Problem(Where(source), "is not UTF-8 text")]) from None
    except OSError as exc:
        problem = Problem(Where(source), f"cannot be read: {exc.strerror}")
        raise PolicyFileError(source, [problem]) from None
    return parse_policy(text, source=source)


def parse_policy(text: str, *, source: str) -> Policy:
    """The policy in `text` (the contents of `source`), or PolicyFileError listing every
    problem."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        raise PolicyFileError(source, [_yaml_problem(source, exc)]) from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        problem = Problem(Where(source, line, 1), f"not valid YAML: {exc.reason}")
        raise PolicyFileError(source, [problem]) from None
    reader = _Reader(source)
    policy = reader.policy(root)
    if reader.problems or policy is None:
        raise PolicyFileError(source, sorted(reader.problems, key=_position))
    problems = check_policy(policy)
    if problems:
        raise PolicyFileError(source, problems)
    return policy


def _yaml_problem(source: str, exc: yaml.MarkedYAMLError) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    where = Where(source, mark.line + 1, mark.column + 1) if mark else Where(source, 1, 1)
    message = f"not valid YAML: {exc.problem or exc.context}"
    if "'@'" in str(exc.problem):
        message += ' (put user-group handles in quotes: "@telephony-admins")'
    return Problem(where, message)


def _position(problem: Problem) -> tuple[int, int]:
    return problem.where.line or 0, problem.where.column or 0


class _Invalid(Exception):
    """A value was refused; its problems are recorded already."""


class _Reader:
    """Reads the node tree, recording a problem for everything wrong and going on."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []

    def where(self, node: Node) -> Where:
        mark = node.start_mark
        return Where(self.source, mark.line + 1, mark.column + 1)

    def problem(self, node: Node, message: str) -> None:
        self.problems.append(Problem(self.where(node), message))

    # -- structure ----------------------------------------------------------------------------

    def policy(self, root: Node | None) -> Policy | None:
        if root is None:
            start = Where(self.source, 1, 1)
            self.problems.append(Problem(start, "the file is empty; it needs a default: rule"))
            return None
        top = self.mapping(root, "the policy file", TOP_KEYS)
        if top is None:
            return None
        default = None
        if "default" in top:
            default = self.default_rule(*top["default"])
        else:
            self.problem(root, "the policy file needs a default: rule (approvers and channel)")
        rules = self.rules(top["rules"][1]) if "rules" in top else ()
        risky = self.risky(top["risky"][1]) if "risky" in top else {}
        if default is None:
            return None
        return Policy(source=self.source, default=default, rules=rules, risky=risky)

    def mapping(
        self, node: Node, what: str, keys: Sequence[str]
    ) -> dict[str, tuple[ScalarNode, Node]] | None:
        """A mapping's entries by key; unknown and repeated keys are problems."""
        if not isinstance(node, MappingNode):
            self.problem(node, f"{what} must be a mapping (key: value lines), not {_kind(node)}")
            return None
        found: dict[str, tuple[ScalarNode, Node]] = {}
        for key, value in node.value:
            if not isinstance(key, ScalarNode):
                self.problem(key, f"a key in {what} must be a word, not {_kind(key)}")
                continue
            name = str(key.value)
            if name not in keys:
                close = difflib.get_close_matches(name, keys, n=1)
                hint = f"did you mean '{close[0]}'?" if close else f"expected {_either(keys)}"
                self.problem(key, f"unknown key '{name}' in {what}; {hint}")
            elif name in found:
                self.problem(key, f"'{name}' is given twice in {what}")
            else:
                found[name] = (key, value)
        return found

    def default_rule(self, key: ScalarNode, node: Node) -> Rule | None:
        entries = self.mapping(node, "default", RULE_FIELDS)
        if entries is None:
            return None
        for needed in ("approvers", "channel"):
            if needed not in entries:
                self.problem(node, f"default needs {needed}")
        settings = self.settings(entries, "default")
        return None if settings is None else Rule("default", self.where(key), settings)

    def rules(self, node: Node) -> tuple[Rule, ...]:
        if not isinstance(node, SequenceNode):
            self.problem(
                node, f"rules must be a list (each rule starts with '- name:'), not {_kind(node)}"
            )
            return ()
        rules: list[Rule] = []
        names: set[str] = set()
        for item in node.value:
            rule = self.rule(item, names)
            if rule is not None:
                rules.append(rule)
        return tuple(rules)

    def rule(self, node: Node, names: set[str]) -> Rule | None:
        what = _rule_label(node)
        entries = self.mapping(node, what, ("name", "match", *RULE_FIELDS))
        if entries is None:
            return None
        name = self.rule_name(node, entries.get("name"), names)
        match = self.match(node, entries.get("match"), what)
        fields = {k: v for k, v in entries.items() if k in RULE_FIELDS}
        settings = self.settings(fields, what)
        if name is None or match is None or settings is None:
            return None
        return Rule(name, self.where(node), settings, match)

    def rule_name(
        self, rule: Node, entry: tuple[ScalarNode, Node] | None, names: set[str]
    ) -> str | None:
        if entry is None:
            self.problem(rule, "a rule needs a name")
            return None
        node = entry[1]
        if not isinstance(node, ScalarNode) or node.tag not in (_STR, _INT):
            self.problem(node, f"a rule's name must be text, not {_kind(node)}")
            return None
        name = str(node.value).strip()
        if not name or len(name) > RULE_NAME_MAX:
            self.problem(node, f"a rule's name must be 1 to {RULE_NAME_MAX} characters")
            return None
        if name.lower() == "default" or name.lower().startswith("risky."):
            self.problem(
                node,
                f"'{name}' cannot name a rule: the default and risky entries have "
                "their own sections",
            )
            return None
        if name.lower() in names:
            self.problem(node, f"another rule is already named '{name}'")
            return None
        names.add(name.lower())
        return name

    def match(
        self, rule: Node, entry: tuple[ScalarNode, Node] | None, what: str
    ) -> ResourceMatch | None:
        if entry is None:
            self.problem(
                rule, f"{what} needs match: (name, id, type or site); the default is for the rest"
            )
            return None
        node = entry[1]
        entries = self.mapping(node, f"the match of {what}", MATCH_KEYS)
        if entries is None:
            return None
        if not entries:
            if not node.value:  # else it had only unknown keys, reported already
                self.problem(node, f"the match of {what} is empty; give name, id, type or site")
            return None
        found: dict[str, tuple[Glob, ...]] = {}
        ok = True
        for key, (_, value) in entries.items():
            try:
                found[key] = self.globs(value, key)
            except _Invalid:
                ok = False
        if not ok:
            return None
        return ResourceMatch(
            names=found.get("name", ()),
            ids=found.get("id", ()),
            types=found.get("type", ()),
            sites=found.get("site", ()),
        )

    def risky(self, node: Node) -> dict[RiskKind, Rule]:
        entries = self.mapping(node, "risky", [kind.value for kind in RISK_ORDER])
        risky: dict[RiskKind, Rule] = {}
        for name, (key, value) in (entries or {}).items():
            fields = self.mapping(value, f"risky {name}", RULE_FIELDS)
            settings = None if fields is None else self.settings(fields, f"risky {name}")
            if settings is not None:
                risky[RiskKind(name)] = Rule(f"risky.{name}", self.where(key), settings)
        return risky

    # -- values -------------------------------------------------------------------------------

    def settings(
        self, entries: dict[str, tuple[ScalarNode, Node]], what: str
    ) -> RuleSettings | None:
        values: dict[str, Any] = {}
        origins: dict[str, Where] = {}
        ok = True
        for name, (key, node) in entries.items():
            try:
                values[name] = self.FIELDS[name](self, node, name)
            except _Invalid:
                ok = False
                continue
            origins[name] = self.where(key)
        return RuleSettings(**values, origins=origins) if ok else None

    def people(self, node: Node, field: str) -> tuple[str, ...]:
        items = self.scalars(node, field, "Slack user ids (U…) and @user-group handles")
        if not items:
            self.problem(node, f"{field} names nobody; list Slack user ids (U…) or @user-groups")
            raise _Invalid
        entries: list[str] = []
        ok = True
        for item in items:
            text = str(item.value).strip()
            if not (USER_ID.fullmatch(text) or GROUP_HANDLE.fullmatch(text)):
                self.problem(item, f"{field}: {_entry_problem(text)}")
                ok = False
            elif text in entries:
                self.problem(item, f"{field}: {text} is listed twice")
                ok = False
            else:
                entries.append(text)
        if not ok:
            raise _Invalid
        return tuple(entries)

    def channel(self, node: Node, field: str) -> str:
        if not isinstance(node, ScalarNode) or node.tag != _STR:
            self.problem(
                node, f"{field} must be a Slack channel id like C012ABCDEF, not {_kind(node)}"
            )
            raise _Invalid
        text = str(node.value).strip()
        if text.startswith("#"):
            self.problem(
                node,
                f"{field} must be the channel's id (C…, shown in the channel's details in "
                f"Slack), not its name {text}",
            )
            raise _Invalid
        if not CHANNEL_ID.fullmatch(text):
            self.problem(node, f"{field} must be a Slack channel id like C012ABCDEF, not '{text}'")
            raise _Invalid
        return text

    def count(self, node: Node, field: str) -> int:
        if not isinstance(node, ScalarNode) or node.tag != _INT or not node.value.isdigit():
            self.problem(node, f"{field} must be a whole number, 1 or more, not {_kind(node)}")
            raise _Invalid
        value = int(node.value)
        if value < 1:
            self.problem(node, f"{field} must be 1 or more, not {value}")
            raise _Invalid
        return value

    def flag(self, node: Node, field: str) -> bool:
        if not isinstance(node, ScalarNode) or node.tag != _BOOL:
            self.problem(node, f"{field} must be true or false, not {_kind(node)}")
            raise _Invalid
        return str(node.value).lower() in {"true", "yes", "on"}

    def limit(self, node: Node, field: str, off: str) -> timedelta | None:
        if not isinstance(node, ScalarNode) or node.tag not in (_STR, _INT):
            self.problem(
                node, f"{field} must be a duration like 4h or 2d, or {off}, not {_kind(node)}"
            )
            raise _Invalid
        text = str(node.value).strip()
        if text.lower() == off:
            return None
        try:
            return parse_duration(text)
        except DurationError as exc:
            self.problem(node, f"{field}: {exc}, or {off}")
            raise _Invalid from None

    def interval(self, node: Node, field: str) -> timedelta | None:
        return self.limit(node, field, NEVER)

    def longest(self, node: Node, field: str) -> timedelta | None:
        return self.limit(node, field, UNLIMITED)

    def globs(self, node: Node, field: str) -> tuple[Glob, ...]:
        items = self.scalars(node, field, "patterns", numbers=True)
        if not items:
            self.problem(node, f"{field} lists no pattern")
            raise _Invalid
        globs: list[Glob] = []
        ok = True
        for item in items:
            text = str(item.value)
            try:
                glob = compile_glob(text)
            except GlobError as exc:
                self.problem(item, f"{field} pattern '{text}': {exc}")
                ok = False
                continue
            if field == "type" and not any(glob.matches(t.value) for t in RESOURCE_TYPES):
                kinds = _either([t.value for t in RESOURCE_TYPES])
                self.problem(item, f"type '{text}' fits no resource type; expected {kinds}")
                ok = False
                continue
            globs.append(glob)
        if not ok:
            raise _Invalid
        return tuple(globs)

    def scalars(
        self, node: Node, field: str, what: str, *, numbers: bool = False
    ) -> list[ScalarNode]:
        """A text value, or a list of them, as nodes."""
        tags = (_STR, _INT) if numbers else (_STR,)
        if isinstance(node, ScalarNode) and node.tag in tags:
            return [node]
        if not isinstance(node, SequenceNode):
            self.problem(node, f"{field} must be {what} (one, or a list), not {_kind(node)}")
            raise _Invalid
        items: list[ScalarNode] = []
        for item in node.value:
            if isinstance(item, ScalarNode) and item.tag in tags:
                items.append(item)
            else:
                self.problem(item, f"{field} must list {what}, not {_kind(item)}")
        if len(items) != len(node.value):
            raise _Invalid
        return items

    FIELDS: ClassVar[dict[str, Callable[[_Reader, Node, str], Any]]] = {
        "approvers": people,
        "channel": channel,
        "approvals_required": count,
        "allow_self_approval": flag,
        "request_ttl": interval,
        "remind_every": interval,
        "escalate_after": interval,
        "escalate_to": people,
        "max_temporary": longest,
    }


def _rule_label(node: Node) -> str:
    """`rule 'support'` when the rule names itself, else `a rule`."""
    if isinstance(node, MappingNode):
        for key, value in node.value:
            named = isinstance(key, ScalarNode) and key.value == "name"
            if named and isinstance(value, ScalarNode):
                return f"rule '{value.value}'"
    return "a rule"


def _entry_problem(text: str) -> str:
    if "@" in text and "." in text.split("@")[-1]:
        return f"'{text}' is an email address; give the person's Slack user id (U…)"
    if text.startswith("<@"):
        return f"'{text}' is a mention; give the bare user id ({text.strip('<@>').split('|')[0]})"
    if text.startswith("@") and text.lower() != text:
        return f"'{text}': user-group handles are lowercase"
    return f"'{text}' is neither a Slack user id (U012ABCDEF) nor a user-group handle (@admins)"


def _kind(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if isinstance(node, ScalarNode):
        if node.tag == _NULL:
            return "nothing"
        if node.tag == _STR:
            return f"the text '{node.value}'"
        return str(node.value)
    return "this"


def _either(words: Sequence[str]) -> str:
    return ", ".join(words[:-1]) + f" or {words[-1]}" if len(words) > 1 else words[0]
