"""A local fake of the Slack Web API that records every call.

Point a real ``slack_sdk.WebClient(base_url=fake.base_url)`` at it. It listens on 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import mimetypes
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

BOT_TOKEN = "xoxb-test"
TEAM_ID = "T0001"
BOT_USER_ID = "UBOT"
BOT_ID = "B0001"
TEAM_URL = "https://funnelbot-test.slack.com/"

# Form fields that slack_sdk (or an app) sends as JSON strings; decoded so tests can inspect them.
JSON_FIELDS = frozenset(
    {
        "attachments",
        "blocks",
        "files",
        "metadata",
        "unfurls",
        "user_auth_blocks",
        "view",
        "outputs",
        "prompts",
    }
)
# Methods that answer without a token (the app itself never calls them with one).
NO_AUTH_METHODS = frozenset({"api.test", "oauth.v2.access", "oauth.access"})

Response = dict[str, Any]
Handler = Callable[[dict[str, Any]], Response]


@dataclass
class SlackCall:
    """One request the fake received: the API method (or "upload" / "response_url") and its args."""

    method: str
    args: dict[str, Any]
    headers: dict[str, str]
    at: float  # time.time() when the request arrived

    def header(self, name: str) -> str | None:
        """Case-insensitive header lookup."""
        lowered = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lowered), None)

    @property
    def token(self) -> str | None:
        """The token sent with the call (Authorization: Bearer ..., or a ``token`` arg)."""
        auth = self.header("Authorization") or ""
        if auth.startswith("Bearer "):
            return auth[len("Bearer ") :]
        token = self.args.get("token")
        return token if isinstance(token, str) else None


@dataclass
class _Fault:
    kind: str  # "fail" or "drop"
    status: int = 0
    retry_after: int = 0


class FakeSlack:
    """Threaded local HTTP server answering Slack Web API calls like Slack does.

    Use as a context manager or call ``start()`` / ``stop()``.
    """

    def __init__(self) -> None:
        self.calls: list[SlackCall] = []
        self.faulted: list[SlackCall] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.channel_members: dict[str, list[str]] = {}
        # conversations.info answers: channel id -> the channel object (name, is_ext_shared, ...)
        self.channels: dict[str, dict[str, Any]] = {}
        self.uploads: dict[str, bytes] = {}
        self._files: dict[str, dict[str, Any]] = {}
        self._faults: dict[str, deque[_Fault]] = defaultdict(deque)
        self._overrides: dict[str, Handler] = {}
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._ts_seq = itertools.count(1)
        self._id_seq = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeSlack:
        if self._server is not None:
            return self
        server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeSlack is not started")
        return int(self._server.server_address[1])

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def base_url(self) -> str:
        """Web API base URL for ``WebClient(base_url=...)`` (ends with '/', as slack_sdk joins)."""
        return f"{self.root_url}api/"

    def response_url(self, token: str) -> str:
        """A response_url whose POSTs are recorded as method "response_url"."""
        return f"{self.root_url}response/{token}"

    # ------------------------------------------------------------------ configuration

    def fail_next(
        self, method: str, status: int = 429, times: int = 1, retry_after: int = 1
    ) -> None:
        """Answer the next ``times`` calls to ``method`` with HTTP ``status`` (429: ratelimited)."""
        with self._lock:
            for _ in range(times):
                self._faults[method].append(_Fault("fail", status, retry_after))

    def drop_next(self, method: str, times: int = 1) -> None:
        """Close the connection without any response on the next ``times`` calls to ``method``."""
        with self._lock:
            for _ in range(times):
                self._faults[method].append(_Fault("drop"))

    def add_channel(
        self,
        channel_id: str,
        name: str,
        *,
        external: bool = False,
        pending_external: bool = False,
        private: bool = False,
    ) -> dict[str, Any]:
        """Answer conversations.info for a channel the bot is in, shaped as Slack's channel
        object: `external` is a Slack Connect channel (shared with another organisation),
        `pending_external` one whose invitation to one is not yet accepted."""
        other = "T0PARTNER"
        channel: dict[str, Any] = {
            "id": channel_id,
            "name": name,
            "name_normalized": name,
            "is_channel": not private,
            "is_group": private,
            "is_im": False,
            "is_mpim": False,
            "is_private": private,
            "created": 1_700_000_000,
            "creator": "U1",
            "is_archived": False,
            "is_general": False,
            "unlinked": 0,
            "is_shared": external,
            "is_org_shared": False,
            "is_ext_shared": external,
            "is_pending_ext_shared": pending_external,
            "pending_shared": [other] if pending_external else [],
            "pending_connected_team_ids": [other] if pending_external else [],
            "shared_team_ids": [TEAM_ID, other] if external else [TEAM_ID],
            "context_team_id": TEAM_ID,
            "conversation_host_id": TEAM_ID,
            "is_member": True,
            "last_read": "0000000000.000000",
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
            "previous_names": [],
        }
        if external:
            channel["connected_team_ids"] = [TEAM_ID, other]
        with self._lock:
            self.channels[channel_id] = channel
        return channel

    def on(self, method: str, response: Response | Handler) -> None:
        """Override the answer for ``method``: a fixed dict or ``handler(args) -> dict``."""
        handler: Handler = response if callable(response) else (lambda _args: dict(response))
        with self._lock:
            self._overrides[method] = handler

    # ------------------------------------------------------------------ inspection

    def calls_to(self, method: str) -> list[SlackCall]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[SlackCall]:
        """Block until ``count`` answered calls to ``method`` were recorded; return them."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                matching = [c for c in self.calls if c.method == method]
                if len(matching) >= count:
                    return matching
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [f"{c.method} {_short(c.args)}" for c in self.calls] or ["(none)"]
                    raise AssertionError(
                        f"timed out after {timeout}s waiting for {count} call(s) to {method!r}, "
                        f"got {len(matching)}; calls seen:\n  " + "\n  ".join(seen)
                    )
                self._changed.wait(remaining)

    def clear(self) -> None:
        """Forget recorded calls, faulted calls, uploads and pending faults."""
        with self._lock:
            self.calls.clear()
            self.faulted.clear()
            self.uploads.clear()
            self._faults.clear()

    # ------------------------------------------------------------------ request handling

    def _take_fault(self, method: str) -> _Fault | None:
        with self._lock:
            queue = self._faults.get(method)
            return queue.popleft() if queue else None

    def _record(self, call: SlackCall, *, faulted: bool = False) -> None:
        with self._changed:
            (self.faulted if faulted else self.calls).append(call)
            self._changed.notify_all()

    def _next_ts(self) -> str:
        n = next(self._ts_seq) * 100
        return f"{1_700_000_000 + n // 1_000_000}.{n % 1_000_000:06d}"

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._id_seq):07d}"

    def _answer(self, method: str, args: dict[str, Any], token: str | None) -> Response:
        with self._lock:
            override = self._overrides.get(method)
        if override is not None:
            return override(args)
        handler = getattr(self, "_api_" + method.replace(".", "_"), None)
        if handler is None:
            return _error("unknown_method")
        if method not in NO_AUTH_METHODS and not token:
            return _error("not_authed")
        result: Response = handler(args)
        return result

    # ------------------------------------------------------------------ Web API methods

    def _api_api_test(self, args: dict[str, Any]) -> Response:
        return {"ok": True, "args": {k: v for k, v in args.items() if k != "token"}}

    def _api_auth_test(self, args: dict[str, Any]) -> Response:
        return {
            "ok": True,
            "url": TEAM_URL,
            "team": "Funnel Test",
            "user": "funnelbot",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _api_chat_postMessage(self, args: dict[str, Any]) -> Response:
        channel = args.get("channel")
        if not channel:
            return _error("channel_not_found")
        if not (args.get("text") or args.get("blocks") or args.get("attachments")):
            return _error("no_text")
        ts = self._next_ts()
        message: dict[str, Any] = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "text": args.get("text", ""),
            "ts": ts,
            "team": TEAM_ID,
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if args.get(key):
                message[key] = args[key]
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _api_chat_postEphemeral(self, args: dict[str, Any]) -> Response:
        if not args.get("channel"):
            return _error("channel_not_found")
        if not args.get("user"):
            return _error("user_not_in_channel")
        if not (args.get("text") or args.get("blocks") or args.get("attachments")):
            return _error("no_text")
        return {"ok": True, "message_ts": self._next_ts()}

    def _api_chat_update(self, args: dict[str, Any]) -> Response:
        if not args.get("channel"):
            return _error("channel_not_found")
        if not args.get("ts"):
            return _error("message_not_found")
        result: Response = {
            "ok": True,
            "channel": args["channel"],
            "ts": args["ts"],
            "text": args.get("text", ""),
        }
        if args.get("blocks"):
            result["message"] = {"text": args.get("text", ""), "blocks": args["blocks"]}
        return result

    def _api_chat_delete(self, args: dict[str, Any]) -> Response:
        if not args.get("channel"):
            return _error("channel_not_found")
        if not args.get("ts"):
            return _error("message_not_found")
        return {"ok": True, "channel": args["channel"], "ts": args["ts"]}

    def _view_answer(self, args: dict[str, Any], view_id: str | None = None) -> Response:
        view = args.get("view")
        if not isinstance(view, dict):
            return _error("invalid_arguments")
        answered = {**view, "id": view_id or self._next_id("V"), "team_id": TEAM_ID}
        answered.setdefault("private_metadata", "")
        answered.setdefault("callback_id", "")
        answered.setdefault("state", {"values": {}})
        answered["hash"] = self._next_id("h")
        return {"ok": True, "view": answered}

    def _api_views_publish(self, args: dict[str, Any]) -> Response:
        if not args.get("user_id"):
            return _error("invalid_arguments")
        return self._view_answer(args)

    def _api_views_open(self, args: dict[str, Any]) -> Response:
        if not args.get("trigger_id"):
            return _error("invalid_arguments")
        return self._view_answer(args)

    def _api_views_push(self, args: dict[str, Any]) -> Response:
        return self._api_views_open(args)

    def _api_views_update(self, args: dict[str, Any]) -> Response:
        if not (args.get("view_id") or args.get("external_id")):
            return _error("invalid_arguments")
        return self._view_answer(args, view_id=args.get("view_id"))

    def _api_users_info(self, args: dict[str, Any]) -> Response:
        with self._lock:
            user = self.users.get(str(args.get("user", "")))
        if user is None:
            return _error("user_not_found")
        return {
            "ok": True,
            "user": _user_object(user, with_locale=_flag(args.get("include_locale"))),
        }

    def _api_users_lookupByEmail(self, args: dict[str, Any]) -> Response:
        email = str(args.get("email", "")).casefold()
        with self._lock:
            user = next(
                (
                    u
                    for u in self.users.values()
                    if str((u.get("profile") or {}).get("email", "")).casefold() == email
                ),
                None,
            )
        if user is None:
            return _error("users_not_found")
        return {"ok": True, "user": _user_object(user, with_locale=False)}

    def _api_conversations_members(self, args: dict[str, Any]) -> Response:
        with self._lock:
            members = self.channel_members.get(str(args.get("channel", "")))
        if members is None:
            return _error("channel_not_found")
        return {"ok": True, "members": list(members), "response_metadata": {"next_cursor": ""}}

    def _api_conversations_open(self, args: dict[str, Any]) -> Response:
        if args.get("channel"):
            return {"ok": True, "channel": {"id": args["channel"]}}
        users = [u for u in str(args.get("users", "")).split(",") if u]
        if not users:
            return _error("users_list_not_supplied")
        channel_id = "D" + users[0] if len(users) == 1 else "G" + "".join(users)
        return {"ok": True, "channel": {"id": channel_id}}

    def _api_conversations_info(self, args: dict[str, Any]) -> Response:
        with self._lock:
            channel = self.channels.get(str(args.get("channel", "")))
        if channel is None:
            return _error("channel_not_found")
        return {"ok": True, "channel": dict(channel)}

    def _api_assistant_threads_setStatus(self, args: dict[str, Any]) -> Response:
        if not args.get("channel_id") or not args.get("thread_ts") or "status" not in args:
            return _error("invalid_arguments")
        return {"ok": True}

    def _api_assistant_threads_setTitle(self, args: dict[str, Any]) -> Response:
        if not args.get("channel_id") or not args.get("thread_ts") or not args.get("title"):
            return _error("invalid_arguments")
        return {"ok": True}

    def _api_assistant_threads_setSuggestedPrompts(self, args: dict[str, Any]) -> Response:
        prompts = args.get("prompts")
        if not args.get("channel_id") or not isinstance(prompts, list) or not prompts:
            return _error("invalid_arguments")
        if len(prompts) > 4 or any(not p.get("title") or not p.get("message") for p in prompts):
            return _error("invalid_arguments")
        return {"ok": True}

    def _api_chat_unfurl(self, args: dict[str, Any]) -> Response:
        if not (args.get("channel") and args.get("ts")) and not args.get("unfurl_id"):
            return _error("invalid_arguments")
        if not isinstance(args.get("unfurls"), dict):
            return _error("invalid_unfurls")
        return {"ok": True}

    def _api_files_getUploadURLExternal(self, args: dict[str, Any]) -> Response:
        if not args.get("filename") or not args.get("length"):
            return _error("invalid_arguments")
        file_id = self._next_id("F")
        with self._lock:
            self._files[file_id] = {"name": args["filename"], "length": int(args["length"])}
        return {"ok": True, "upload_url": f"{self.root_url}upload/{file_id}", "file_id": file_id}

    def _api_files_completeUploadExternal(self, args: dict[str, Any]) -> Response:
        entries = args.get("files")
        if not isinstance(entries, list) or not entries:
            return _error("invalid_arguments")
        channel = args.get("channel_id") or args.get("channels")
        files = []
        for entry in entries:
            file_id = entry.get("id") if isinstance(entry, dict) else None
            with self._lock:
                meta = self._files.get(str(file_id))
                content = self.uploads.get(str(file_id), b"")
            if meta is None:
                return _error("file_not_found")
            name = str(meta["name"])
            files.append(
                {
                    "id": file_id,
                    "name": name,
                    "title": entry.get("title") or name,
                    "mimetype": mimetypes.guess_type(name)[0] or "application/octet-stream",
                    "size": len(content),
                    "channels": [c for c in str(channel or "").split(",") if c],
                    "permalink": f"{TEAM_URL}files/{BOT_USER_ID}/{file_id}/{name}",
                }
            )
        return {"ok": True, "files": files}


# ---------------------------------------------------------------------- HTTP plumbing


def _flag(value: object) -> bool:
    """A boolean argument as slack_sdk sends it ("1"/"0") or as JSON/a form writes it."""
    return str(value).strip().lower() in ("1", "true")


def _user_object(user: dict[str, Any], *, with_locale: bool) -> dict[str, Any]:
    """A user as Slack returns it: `locale` (e.g. "nl-NL") only with include_locale, and then
    always (Slack's default is "en-US")."""
    shown = dict(user)
    locale = shown.pop("locale", None) or "en-US"
    if with_locale:
        shown["locale"] = locale
    return shown


def _error(code: str) -> Response:
    return {"ok": False, "error": code}


def _short(args: dict[str, Any], limit: int = 160) -> str:
    text = json.dumps(args, default=repr, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _decode_fields(args: dict[str, Any]) -> dict[str, Any]:
    for key in JSON_FIELDS & args.keys():
        value = args[key]
        if isinstance(value, str) and value[:1] in ("{", "["):
            with contextlib.suppress(ValueError):
                args[key] = json.loads(value)
    return args


def _parse_multipart(content_type: str, body: bytes) -> dict[str, Any]:
    message: Message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    args: dict[str, Any] = {}
    for part in message.walk():
        if part.is_multipart():
            continue
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        args[name] = data if part.get_filename() else data.decode("utf-8", "replace")
    return args


def parse_body(content_type: str, body: bytes) -> dict[str, Any]:
    """Parse a JSON, form-encoded or multipart body into a dict (JSON fields decoded)."""
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/json":
        parsed = json.loads(body or b"{}")
        return parsed if isinstance(parsed, dict) else {"_json": parsed}
    if kind == "multipart/form-data":
        return _decode_fields(_parse_multipart(content_type, body))
    return _decode_fields(dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True)))


def _make_handler(fake: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        server_version = "FakeSlack/1.0"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def do_GET(self) -> None:
            self._handle()

        def do_POST(self) -> None:
            self._handle()

        def _handle(self) -> None:
            at = time.time()
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = dict(self.headers.items())
            segments = parts.path.strip("/").split("/", 1)
            if len(segments) != 2 or segments[0] not in ("api", "upload", "response"):
                self._send(404, b"not found", "text/plain")
                return
            area, rest = segments
            args: dict[str, Any]
            if area == "api":
                method = rest
                try:
                    args = dict(parse_qsl(parts.query, keep_blank_values=True))
                    args.update(parse_body(self.headers.get("Content-Type", ""), body))
                    _decode_fields(args)
                except ValueError:
                    args = {"_raw": body}
            elif area == "upload":
                method, args = "upload", {"file_id": rest, "content": body}
            else:
                method = "response_url"
                try:
                    parsed = json.loads(body or b"{}")
                except ValueError:
                    parsed = {"_raw": body.decode("utf-8", "replace")}
                args = {
                    **(parsed if isinstance(parsed, dict) else {"_json": parsed}),
                    "_token": rest,
                }
            call = SlackCall(method=method, args=args, headers=headers, at=at)

            fault = fake._take_fault(method)
            if fault is not None:
                fake._record(call, faulted=True)
                if fault.kind == "drop":
                    self.close_connection = True
                    return
                error = "ratelimited" if fault.status == 429 else "internal_error"
                extra = {"Retry-After": str(fault.retry_after)} if fault.status == 429 else {}
                self._send_json(fault.status, _error(error), extra)
                return

            if method == "upload":
                with fake._lock:
                    fake.uploads[rest] = body
                fake._record(call)
                self._send(200, f"OK - {len(body)}".encode(), "text/plain; charset=utf-8")
                return
            if method == "response_url":
                fake._record(call)
                self._send(200, b"ok", "text/plain; charset=utf-8")
                return
            auth = call.token
            try:
                answer = fake._answer(method, args, auth)
            except Exception as exc:  # a broken override must not hang the client
                answer = _error(f"fake_slack_error: {exc!r}")
            fake._record(call)
            self._send_json(200, answer)

        def _send_json(
            self, status: int, data: Response, extra: dict[str, str] | None = None
        ) -> None:
            self._send(status, json.dumps(data).encode(), "application/json; charset=utf-8", extra)

        def _send(
            self,
            status: int,
            payload: bytes,
            content_type: str,
            extra: dict[str, str] | None = None,
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(payload)

    return _Handler
