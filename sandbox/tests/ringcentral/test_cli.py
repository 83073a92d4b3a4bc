"""`sms-handlers sandbox`: refuses bad options, and serves what it prints until Ctrl-C."""

from __future__ import annotations

import asyncio
import signal
import sys

import aiohttp
import pytest

from bot.cli import main
from sandbox.tests.ringcentral.conftest import JWT_GRANT, basic


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--host", "0.0.0.0"], "--host 0.0.0.0 is not a loopback address"),
        (["--host", "192.168.1.10"], "--host 192.168.1.10 is not a loopback address"),
        (["--sites", "3"], "--sites: sizes can only be given with --seed large"),
        (["--seed", "large", "--users", "-1"], "--users must be 0 or more"),
        (["--token-ttl", "0"], "--token-ttl must be at least 1 second"),
        (["--port", "70000"], "--port 70000 is not a port number"),
    ],
)
def test_bad_options_fail_with_one_clear_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["sandbox", *argv])

    assert code == 1
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1


async def test_serves_the_account_it_announces_until_interrupted() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "sandbox", "--port", "0", "--seed", "large",
        "--sites", "2", "--queues", "3", "--users", "5", "--numbers", "20", "--no-rate-limits",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    try:
        exports: dict[str, str] = {}
        while len(exports) < 4:
            line = (await asyncio.wait_for(process.stdout.readline(), 20)).decode()
            assert line, "the sandbox exited before announcing its settings"
            if line.strip().startswith("export "):
                name, _, value = line.strip().removeprefix("export ").partition("=")
                exports[name] = value
        url = exports["RINGCENTRAL_SERVER_URL"]
        assert url.startswith("http://127.0.0.1:")
        async with aiohttp.ClientSession() as http:
            auth = basic(exports["RINGCENTRAL_CLIENT_ID"], exports["RINGCENTRAL_CLIENT_SECRET"])
            form = {"grant_type": JWT_GRANT, "assertion": exports["RINGCENTRAL_JWT"]}
            async with http.post(
                f"{url}/restapi/oauth/token", data=form, headers={"Authorization": auth}
            ) as answer:
                token = (await answer.json())["access_token"]
            async with http.get(
                f"{url}/restapi/v1.0/account/~/call-queues",
                headers={"Authorization": f"Bearer {token}"},
            ) as answer:
                queues = await answer.json()
        assert len(queues["records"]) == 3
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
        try:
            code = await asyncio.wait_for(process.wait(), 60)
        except TimeoutError:
            process.kill()
            await process.wait()
            assert process.stderr is not None
            said = (await process.stderr.read()).decode(errors="replace")
            raise AssertionError(
                f"the sandbox did not stop within 60 s of Ctrl-C:\n{said}"
            ) from None
    assert code == 130
    assert process.stderr is not None
    assert b"Traceback" not in await process.stderr.read()
