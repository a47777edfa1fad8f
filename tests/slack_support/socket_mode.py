"""A local fake of Slack's Socket Mode endpoint.

`apps.connections.open` on the fake Web API hands out a ws://127.0.0.1 URL of this server. Each
connection is greeted with `hello`; the test sends envelopes (events_api, slash_commands,
interactive) and waits for the app's acks, can drop a connection the way a network does, or ask
the app to refresh it with a `disconnect` envelope, as Slack does before retiring a host.
"""

from __future__ import annotations

import itertools
import json
import socket
import struct
import threading
import time
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

from .fake_slack import FakeSlack

APP_TOKEN = "xapp-1-A1-test"


class FakeSocketMode:
    def __init__(self, fake: FakeSlack) -> None:
        self.fake = fake
        self.acks: dict[str, dict[str, Any]] = {}
        self.opened = 0  # connections the app made
        self._live: list[ServerConnection] = []
        self._ids = itertools.count(1)
        self._tickets = itertools.count(1)
        self._changed = threading.Condition()
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> FakeSocketMode:
        self._server = serve(self._handle, "127.0.0.1", 0)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.fake.on("apps.connections.open", self._open)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.socket.getsockname()[1])

    def _open(self, args: dict[str, Any]) -> dict[str, Any]:
        # The app asks with its app-level token (the test checks it on the recorded call).
        return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/link/?ticket={next(self._tickets)}"}

    def _handle(self, connection: ServerConnection) -> None:
        connection.send(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": 1,
                    "debug_info": {"host": "fake-socket-mode", "approximate_connection_time": 3600},
                    "connection_info": {"app_id": "A1"},
                }
            )
        )
        with self._changed:
            self._live.append(connection)
            self.opened += 1
            self._changed.notify_all()
        try:
            for raw in connection:
                try:
                    message = json.loads(raw)
                except ValueError:
                    continue
                if isinstance(message, dict) and message.get("envelope_id"):
                    with self._changed:
                        self.acks[str(message["envelope_id"])] = message
                        self._changed.notify_all()
        except ConnectionClosed:
            pass
        finally:
            with self._changed:
                if connection in self._live:
                    self._live.remove(connection)
                self._changed.notify_all()

    # ------------------------------------------------------------------ what a test does

    def wait_connected(self, opened: int, timeout: float = 120.0) -> None:
        """Until the app has opened `opened` connections in all and one is live."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not (self.opened >= opened and self._live):
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"{self.opened} connections opened, {len(self._live)} live"
                self._changed.wait(remaining)

    def send(
        self, kind: str, payload: dict[str, Any], *, accepts_response_payload: bool = False
    ) -> str:
        """Send an envelope on the newest live connection; its envelope id."""
        envelope_id = f"env-{next(self._ids)}"
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
            "retry_attempt": 0,
            "retry_reason": "",
        }
        with self._changed:
            connection = self._live[-1]
        connection.send(json.dumps(envelope))
        return envelope_id

    def wait_ack(self, envelope_id: str, timeout: float = 10.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while envelope_id not in self.acks:
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"no ack for {envelope_id}"
                self._changed.wait(remaining)
            return self.acks[envelope_id]

    def drop(self) -> None:
        """Cut the newest connection without a close frame: a TCP reset, as a failing load
        balancer or network sends."""
        with self._changed:
            connection = self._live[-1]
        connection.socket.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        connection.socket.close()

    def request_refresh(self) -> None:
        """Slack's notice that this connection will close soon: the app should open another."""
        with self._changed:
            connection = self._live[-1]
        connection.send(
            json.dumps(
                {
                    "type": "disconnect",
                    "reason": "refresh_requested",
                    "debug_info": {"host": "fake-socket-mode"},
                }
            )
        )
