"""A fake Google Drive API on 127.0.0.1: the OAuth token endpoint a service account uses,
files.list (paged, by parent), files.export and media downloads, as the real API shapes them."""

from __future__ import annotations

import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

TOKEN = "ya29.fake-access-token"


class FakeDrive:
    def __init__(self, *, page_size: int = 2) -> None:
        self.files: dict[str, dict[str, Any]] = {}  # id -> metadata + "parent" + "content"
        self.page_size = page_size
        self.requests: Counter[str] = Counter()
        self.refuse = False  # answer 401, as Drive does for a revoked key
        drive = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                drive._get(self)

            def do_POST(self) -> None:
                drive._post(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeDrive:
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def add(self, file_id: str, name: str, mime: str, parent: str, **extra: Any) -> None:
        self.files[file_id] = {
            "id": file_id,
            "name": name,
            "mimeType": mime,
            "parent": parent,
            "modifiedTime": extra.pop("modifiedTime", "2026-11-01T10:00:00.000Z"),
            "webViewLink": f"https://docs.google.com/document/d/{file_id}/view",
            **extra,
        }

    def key_file(self, folder: Path) -> Path:
        """A service account key whose token_uri is this fake."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        info = {
            "type": "service_account",
            "project_id": "funnelbot-test",
            "private_key_id": "k1",
            "private_key": pem,
            "client_email": "funnelbot@funnelbot-test.iam.gserviceaccount.com",
            "client_id": "1",
            "token_uri": f"{self.url}/token",
        }
        path = folder / "service-account.json"
        path.write_text(json.dumps(info), encoding="utf-8")
        return path

    def _post(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        request.rfile.read(length)
        self.requests["token"] += 1
        self._json(
            request, 200, {"access_token": TOKEN, "expires_in": 3600, "token_type": "Bearer"}
        )

    def _get(self, request: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(request.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if self.refuse or request.headers.get("Authorization") != f"Bearer {TOKEN}":
            error = {"code": 401, "message": "Request had invalid authentication credentials."}
            self._json(request, 401, {"error": error})
            return
        path = parts.path.removeprefix("/drive/v3")
        if path == "/files":
            self.requests["list"] += 1
            self._list(request, query)
            return
        segments = path.strip("/").split("/")
        file = self.files.get(segments[1]) if len(segments) >= 2 else None
        if file is None:
            self._json(request, 404, {"error": {"code": 404, "message": "File not found"}})
            return
        if len(segments) == 3 and segments[2] == "export":
            self.requests[f"export:{file['id']}"] += 1
            self._bytes(request, query.get("mimeType", "text/plain"), file["content"])
        elif query.get("alt") == "media":
            self.requests[f"media:{file['id']}"] += 1
            self._bytes(request, file["mimeType"], file["content"])
        else:
            self._json(request, 200, self._public(file))

    def _list(self, request: BaseHTTPRequestHandler, query: dict[str, str]) -> None:
        parent = query.get("q", "").split("'")[1]
        children = sorted(
            (f for f in self.files.values() if f["parent"] == parent), key=lambda f: f["id"]
        )
        start = int(query.get("pageToken") or 0)
        page = children[start : start + self.page_size]
        body: dict[str, Any] = {"files": [self._public(f) for f in page]}
        if start + self.page_size < len(children):
            body["nextPageToken"] = str(start + self.page_size)
        self._json(request, 200, body)

    @staticmethod
    def _public(file: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in file.items() if k not in ("parent", "content")}

    def _json(self, request: BaseHTTPRequestHandler, status: int, body: object) -> None:
        self._bytes(request, "application/json", json.dumps(body).encode(), status=status)

    @staticmethod
    def _bytes(
        request: BaseHTTPRequestHandler, kind: str, body: bytes, *, status: int = 200
    ) -> None:
        request.send_response(status)
        request.send_header("Content-Type", kind)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)
