from __future__ import annotations

from datetime import UTC, datetime

from bot.views.mrkdwn import escape, lines_within, person, slack_date, truncate


def test_escape_neutralises_mentions_and_links() -> None:
    assert escape("<!channel> & <@U123> <http://evil|x>") == (
        "&lt;!channel&gt; &amp; &lt;@U123&gt; &lt;http://evil|x&gt;"
    )


def test_escape_leaves_other_characters_alone() -> None:
    assert escape('Ben O\'Ortiz *bold* _it_ "q"') == 'Ben O\'Ortiz *bold* _it_ "q"'


def test_truncate_marks_the_cut() -> None:
    assert truncate("abcdef", 6) == "abcdef"
    assert truncate("abcdefg", 6) == "abcde…"
    assert len(truncate("x" * 5000, 3000)) == 3000


def test_lines_within_says_how_many_were_dropped() -> None:
    lines = [f"line {i:03}" for i in range(500)]
    text = lines_within(lines, 300)
    assert len(text) <= 300
    kept = text.splitlines()
    assert kept[0] == "line 000"
    assert kept[-1] == f"…and {500 - (len(kept) - 1)} more"


def test_lines_within_keeps_everything_that_fits() -> None:
    assert lines_within(["a", "b"], 10) == "a\nb"


def test_person_escapes_name() -> None:
    assert person("<!here> Eve", "1001") == "&lt;!here&gt; Eve (ext. 1001)"
    assert person(None) == "(no name)"
    assert person("Ava Chen", "<1001>") == "Ava Chen (ext. &lt;1001&gt;)"


def test_slack_date_has_fallback() -> None:
    text = slack_date(datetime(2026, 1, 2, 3, 4, tzinfo=UTC))
    assert text.startswith("<!date^1767323040^")
    assert text.endswith("|2026-01-02 03:04 UTC>")
