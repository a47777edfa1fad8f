"""Bounded fuzzing of what strangers control: the HTTP endpoint and the content loaders.

Each test runs a fixed number of hypothesis examples (a few seconds); a failure prints the
smallest input that broke it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import urlencode

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.slack import ids
from bot.slack.mrkdwn import escape, link
from content_store.loaders import load_library
from tests.security.conftest import Edge
from tests.slack_support import TEAM_ID, slash_command

FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,  # the same inputs every run: a red build is reproducible
)

# --- the HTTP endpoint ------------------------------------------------------------------

_TYPES = st.sampled_from(
    [
        "event_callback",
        "block_actions",
        "view_submission",
        "view_closed",
        "shortcut",
        "url_verification",
        "app_rate_limited",
        "interactive_message",
        "",
    ]
)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
_ENVELOPE = st.fixed_dictionaries(
    {"type": _TYPES},
    optional={
        "team_id": st.just(TEAM_ID) | st.text(max_size=5),
        "event": _JSON,
        "actions": _JSON,
        "user": st.just({"id": "U1"}) | _JSON,
        "view": _JSON,
        "challenge": st.text(max_size=10),
        "api_app_id": st.just("A1"),
    },
)
_FORM = st.dictionaries(
    st.sampled_from(["command", "text", "user_id", "team_id", "channel_id", "payload", "token"]),
    st.text(max_size=30) | st.sampled_from(["/content", "/prospect", "/reindex", "/nope"]),
    max_size=6,
)
_BODIES = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300).map(str.encode),
    _ENVELOPE.map(lambda d: json.dumps(d).encode()),
    _JSON.map(lambda d: json.dumps(d).encode()),
    _FORM.map(lambda d: urlencode(d).encode()),
    _ENVELOPE.map(lambda d: urlencode({"payload": json.dumps(d)}).encode()),
    st.text(max_size=60).map(lambda t: urlencode({"payload": t}).encode()),
)
_CONTENT_TYPES = st.sampled_from(
    ["application/json", "application/x-www-form-urlencoded", "text/plain", "", "multipart/x"]
)
_HEADERS = st.dictionaries(
    st.sampled_from(
        ["X-Slack-Retry-Num", "X-Slack-Retry-Reason", "X-Slack-Request-Timestamp", "Accept"]
    ),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=12),
    max_size=2,
)


def test_fuzzed_requests_get_a_2xx_or_4xx_and_the_server_stays_up(edge: Edge) -> None:
    @FUZZ
    @given(body=_BODIES, content_type=_CONTENT_TYPES, headers=_HEADERS, signed=st.booleans())
    def request(body: bytes, content_type: str, headers: dict[str, str], signed: bool) -> None:
        if signed:
            headers = {k: v for k, v in headers.items() if k != "X-Slack-Request-Timestamp"}
        status = edge.post(body, content_type=content_type, headers=headers, signed=signed)
        assert 200 <= status < 500, status
        if not signed:
            assert status == 401

    started = time.monotonic()
    request()
    assert time.monotonic() - started < 30

    # Still serving: a real question is answered.
    body, content_type = slash_command(
        ids.CONTENT_COMMAND, "SOC 2 report", response_url=edge.fake.response_url("after")
    )
    assert edge.post(body, content_type=content_type) == 200
    replies = edge.fake.wait_for("response_url", timeout=15)
    assert any(r.args.get("_token") == "after" for r in replies)


# --- the content loaders ----------------------------------------------------------------

_SUFFIXES = st.sampled_from([".md", ".txt", ".html", ".pdf", ".csv"])
_YAMLISH = st.text(
    alphabet=st.sampled_from([*"ab:-[]{}&*!|>'\"#%@` \n\t,?0123456789.", "é", "中", "\x00"]),
    max_size=120,
)
_FIELDS = st.dictionaries(
    st.sampled_from(["id", "title", "url", "type", "stage", "tags", "competitors", "review_by"]),
    _YAMLISH,
    max_size=5,
)


def _front_matter(fields: dict[str, str], raw: str, body: str) -> str:
    lines = [f"{key}: {value}" for key, value in fields.items()]
    return "\n".join(["---", *lines, raw, "---", body])


_FILES = st.one_of(
    st.binary(max_size=400),
    st.text(max_size=400).map(str.encode),
    st.builds(_front_matter, _FIELDS, _YAMLISH, st.text(max_size=80)).map(str.encode),
    st.builds(
        lambda head, rows: (head + "\n" + rows).encode(),
        st.sampled_from(["id,title,url,stage", "id,title", "title", ""]),
        st.text(alphabet=st.sampled_from(list('ab,;"\n\r x:/')), max_size=120),
    ),
    st.builds(lambda junk: b"%PDF-1.4\n" + junk + b"\n%%EOF\n", st.binary(max_size=300)),
)


def test_fuzzed_library_files_load_as_items_or_problems_never_an_exception(
    tmp_path: Path,
) -> None:
    counter = iter(range(1_000_000))

    @FUZZ
    @given(files=st.lists(st.tuples(_SUFFIXES, _FILES), min_size=1, max_size=4))
    def load(files: list[tuple[str, bytes]]) -> None:
        root = tmp_path / f"lib{next(counter)}"
        root.mkdir()
        for n, (suffix, data) in enumerate(files):
            name = "catalog.csv" if suffix == ".csv" else f"f{n}{suffix}"
            (root / name).write_bytes(data)
            if suffix in (".txt", ".html", ".pdf") and n % 2:
                (root / f"f{n}.yml").write_bytes(data[:200])  # a sidecar made of junk too

        result = load_library(root)

        # Each document is one item or reported; a catalog may hold no rows, so it is exempt.
        sources = [item.source for item in result.items]
        problems = {problem.path for problem in result.problems}
        for path in root.iterdir():
            if path.suffix in (".md", ".txt", ".html", ".pdf"):
                assert (sources.count(path.name) == 1) != (path.name in problems), path.name

    started = time.monotonic()
    load()
    assert time.monotonic() - started < 30


# --- what user and content text becomes in Slack --------------------------------------------


@FUZZ
@given(text=st.text(max_size=200))
def test_escaped_text_can_never_become_slack_markup(text: str) -> None:
    escaped = escape(text)
    assert "<" not in escaped and ">" not in escaped
    assert not any(ord(c) < 32 and c not in "\t\n\r" for c in escaped)
    assert escaped.replace("&amp;", "").count("&") == escaped.count("&lt;") + escaped.count("&gt;")


@FUZZ
@example(url="http://[::1")  # urlsplit raises on it: must not fail the whole answer
@example(url="javascript:alert(1)//https://x.test")
@example(url="https://x.test/a>b|c d")
@given(url=st.one_of(st.text(max_size=60), st.text(max_size=40).map("https://x.test/".__add__)))
def test_a_link_is_one_http_link_or_plain_bold_text(url: str) -> None:
    rendered = link(url, "<!channel> title|x")
    if rendered.startswith("<"):
        assert rendered.count("<") == 1 and rendered.count(">") == 1 and rendered.endswith(">")
        target, label = rendered[1:-1].split("|", 1)
        assert target.startswith(("http://", "https://")) and " " not in target
        assert label == "&lt;!channel&gt; title¦x"
    else:
        assert rendered == "*&lt;!channel&gt; title¦x*"
