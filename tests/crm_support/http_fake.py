"""What the CRM fakes share: a recording HTTP server on 127.0.0.1 that can be told to fail."""

from __future__ import annotations

import json
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class CrmCall:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)

    @property
    def token(self) -> str | None:
        auth = next((v for k, v in self.headers.items() if k.lower() == "authorization"), "")
        return auth[len("Bearer ") :] if auth.startswith("Bearer ") else None


@dataclass
class Fault:
    status: int = 0  # answer with this status (0: answer normally, after `delay`)
    retry_after: int | None = None
    delay: float = 0.0  # seconds before answering
    hang: bool = False  # never answer (until the fake stops)
    times: int | None = None  # how many requests it applies to; None: until cleared


class HttpFake:
    """Subclasses implement `route(call) -> (status, json_body)`."""

    token: str = ""

    def __init__(self, *, tls: tuple[str, str] | None = None) -> None:
        self.calls: list[CrmCall] = []
        self._fault: Fault | None = None
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._tls = tls
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                fake._handle(self)

            def do_POST(self) -> None:
                fake._handle(self)

            def do_PATCH(self) -> None:
                fake._handle(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        scheme = "https" if self._tls else "http"
        return f"{scheme}://127.0.0.1:{self._server.server_port}"

    def __enter__(self) -> HttpFake:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stopped.set()
        self._server.shutdown()
        self._server.server_close()

    def fail(self, fault: Fault | None) -> None:
        """Answer the next requests with `fault` (None: answer normally again)."""
        with self._lock:
            self._fault = fault

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()

    def calls_to(self, fragment: str, method: str | None = None) -> list[CrmCall]:
        with self._lock:
            return [
                c
                for c in self.calls
                if fragment in c.path and (method is None or c.method == method)
            ]

    def route(self, call: CrmCall) -> tuple[int, Any]:
        raise NotImplementedError

    def error_body(self, status: int) -> Any:
        return {"status": "error", "message": f"HTTP {status}"}

    def _take_fault(self) -> Fault | None:
        with self._lock:
            fault = self._fault
            if fault is not None and fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self._fault = None
            return fault

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        call = CrmCall(
            method=handler.command,
            path=parts.path,
            query=dict(parse_qsl(parts.query)),
            body=body,
            headers=dict(handler.headers.items()),
        )
        with self._lock:
            self.calls.append(call)
        fault = self._take_fault()
        headers: dict[str, str] = {}
        if fault is not None and fault.hang:
            self._stopped.wait(30)
            return
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        if fault is not None and fault.status:
            status, payload = fault.status, self.error_body(fault.status)
            if fault.retry_after is not None:
                headers["Retry-After"] = str(fault.retry_after)
        elif call.token != self.token:
            status, payload = 401, self.error_body(401)
        else:
            status, payload = self.route(call)
        data = json.dumps(payload).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json;charset=UTF-8")
            handler.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass  # the client gave up waiting (a slow fault): what the test wanted


def self_signed_certificate(folder: Any) -> tuple[str, str]:
    """A certificate for 127.0.0.1 and its key, as files: (cert path, key path)."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = f"{folder}/fake-crm.pem", f"{folder}/fake-crm.key"
    with open(cert_path, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as f:
        f.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    return cert_path, key_path
