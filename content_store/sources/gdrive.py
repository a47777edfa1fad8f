"""A Google Drive folder, read recursively with a service account.

Docs and Slides are exported as text, Sheets as CSV, PDFs downloaded and read like local PDFs.
A file's `modifiedTime` is its version (an unchanged file is not downloaded again), its Drive
link is the asset's URL, and its metadata comes from YAML in the file's description, then
from the `rules` of funnelbot.yml matched against its folder path.
"""

from __future__ import annotations

import json
import logging
import re
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

from content_store.loaders.fields import read_metadata
from content_store.loaders.model import BadContent, Found, LoadProblem, make_item
from content_store.loaders.pdf_text import pdf_to_text
from content_store.loaders.reading import decode_text, first_line, human_size
from content_store.loaders.yaml_meta import parse_mapping
from content_store.sources.base import (
    Fetched,
    Listed,
    NotModified,
    SourceError,
    SourceOptions,
)
from content_store.sources.rules import rule_fields

log = logging.getLogger(__name__)

SCOPES = ["https://www.googleapis.com/auth/drive.readonly"]
FOLDER = "application/vnd.google-apps.folder"
# Google formats have no bytes of their own: they are exported.
EXPORTS = {
    "application/vnd.google-apps.document": "text/plain",
    "application/vnd.google-apps.presentation": "text/plain",
    "application/vnd.google-apps.spreadsheet": "text/csv",
}
DOWNLOADS = ("application/pdf", "text/plain", "text/markdown", "text/csv")
FIELDS = "nextPageToken, files(id, name, mimeType, modifiedTime, webViewLink, description, size)"
MAX_FOLDERS = 10_000


class DriveSource:
    kind = "gdrive"

    def __init__(self, folder_id: str, options: SourceOptions | None = None) -> None:
        self.folder_id = folder_id
        self.key = f"gdrive:{folder_id}"
        self.options = options or SourceOptions()
        self._service: Any = None

    def list_items(self) -> Iterable[Listed | LoadProblem]:
        service = self._drive()
        folders: deque[tuple[str, str]] = deque([(self.folder_id, "")])
        visited: set[str] = set()
        while folders:
            folder_id, path = folders.popleft()
            if folder_id in visited or len(visited) >= MAX_FOLDERS:
                continue
            visited.add(folder_id)
            for file in self._children(service, folder_id, root=not path):
                name = str(file.get("name", ""))
                where = f"{path}/{name}" if path else name
                mime = file.get("mimeType", "")
                if mime == FOLDER:
                    folders.append((file["id"], where))
                elif mime in EXPORTS or mime in DOWNLOADS:
                    yield Listed(
                        locator=file["id"],
                        version=file.get("modifiedTime"),
                        hint={**file, "path": where},
                    )
                else:
                    log.debug("drive file %s (%s) is not text: skipped", where, mime)

    def fetch(self, listed: Listed, previous_version: str | None) -> Fetched:
        if previous_version is not None and previous_version == listed.version:
            return NotModified(listed.locator)
        file = dict(listed.hint)
        where = str(file.get("path") or listed.locator)
        try:
            body, pdf_title = self._text(file)
            raw = self._description(file)
        except BadContent as error:
            return [LoadProblem(listed.locator, f"{where}: {error}")]
        except _DriveTrouble as error:
            return [LoadProblem(listed.locator, f"{where}: {error}")]
        name = re.sub(r"\.(pdf|txt|md|csv)$", "", str(file.get("name", "")), flags=re.I)
        raw.setdefault("url", file.get("webViewLink"))
        for key, value in rule_fields(self.options.rules, "/" + where).items():
            raw.setdefault(key, value)
        meta, errors = read_metadata(
            raw,
            default_id=f"gdrive-{listed.locator}",
            default_title=pdf_title or name or first_line(body),
            default_type="document",
            location=where,
        )
        if meta is None:
            return [LoadProblem(listed.locator, f"{where}: {reason}") for reason in errors]
        if not body.strip():
            return [LoadProblem(listed.locator, f"{where}: the file has no text")]
        return [Found(listed.locator, make_item(meta, body=body, source=listed.locator))]

    def close(self) -> None:
        self._service = None

    # -- Drive calls -----------------------------------------------------------------------

    def _drive(self) -> Any:
        if self._service is not None:
            return self._service
        path = self.options.gdrive_credentials
        if not path:
            raise SourceError(
                "FUNNELBOT_GDRIVE_CREDENTIALS is not set: name a service account's JSON key "
                "file, and share the folder with that account's email"
            )
        import google_auth_httplib2
        import httplib2
        from google.oauth2 import service_account
        from googleapiclient.discovery import build

        try:
            with open(path, encoding="utf-8") as handle:
                info = json.load(handle)
            credentials = service_account.Credentials.from_service_account_info(info, scopes=SCOPES)
        except (OSError, ValueError, KeyError) as error:
            raise SourceError(
                f"FUNNELBOT_GDRIVE_CREDENTIALS {path}: not a service account key ({error})"
            ) from None
        http = google_auth_httplib2.AuthorizedHttp(
            credentials, http=httplib2.Http(timeout=self.options.timeout_s)
        )
        options = {}
        if self.options.gdrive_api_url:
            base = self.options.gdrive_api_url.rstrip("/")
            options["api_endpoint"] = base if base.endswith("/drive/v3") else base + "/drive/v3/"
            options["api_endpoint"] = options["api_endpoint"].rstrip("/") + "/"
        self._service = build(
            "drive",
            "v3",
            http=http,
            client_options=options or None,
            cache_discovery=False,
            static_discovery=True,
        )
        return self._service

    def _children(self, service: Any, folder_id: str, *, root: bool) -> Iterator[dict[str, Any]]:
        token: str | None = None
        while True:
            request = service.files().list(
                q=f"'{folder_id}' in parents and trashed = false",
                fields=FIELDS,
                pageSize=1000,
                pageToken=token,
                supportsAllDrives=True,
                includeItemsFromAllDrives=True,
            )
            try:
                page = request.execute(num_retries=2)
            except Exception as error:
                reason = _http_reason(error)
                if root:
                    raise SourceError(f"Drive folder {folder_id}: {reason}") from None
                # A subfolder that cannot be listed would look like its files vanished.
                raise SourceError(f"Drive subfolder {folder_id}: {reason}") from None
            yield from page.get("files", [])
            token = page.get("nextPageToken")
            if not token:
                return

    def _text(self, file: dict[str, Any]) -> tuple[str, str | None]:
        service = self._drive()
        mime = file.get("mimeType", "")
        size = int(file.get("size") or 0)
        if size > self.options.max_bytes:
            raise BadContent(
                f"file is {human_size(size)}; the limit is {human_size(self.options.max_bytes)}"
            )
        try:
            if mime in EXPORTS:
                data = service.files().export(fileId=file["id"], mimeType=EXPORTS[mime]).execute()
            else:
                data = service.files().get_media(fileId=file["id"]).execute()
        except Exception as error:
            raise _DriveTrouble(_http_reason(error)) from None
        if not isinstance(data, bytes):
            data = str(data).encode()
        if len(data) > self.options.max_bytes:
            raise BadContent(
                f"file is {human_size(len(data))}; the limit is "
                f"{human_size(self.options.max_bytes)}"
            )
        if mime == "application/pdf":
            return pdf_to_text(data)
        return decode_text(data).strip(), None

    def _description(self, file: dict[str, Any]) -> dict[str, object]:
        """Fields from the file's description when it is YAML (`stage: decision`, ...)."""
        text = str(file.get("description") or "").strip()
        if not text or ":" not in text:
            return {}  # a plain sentence describes the file for people; it sets nothing
        try:
            return parse_mapping(text, what="the Drive description")
        except BadContent as error:
            if "must be a YAML mapping" in str(error):
                return {}
            raise


class _DriveTrouble(Exception):
    """One file could not be fetched (its last version keeps serving)."""


def _http_reason(error: Exception) -> str:
    status = getattr(getattr(error, "resp", None), "status", None)
    if status in (401, 403):
        return f"Drive refused the service account (HTTP {status}); is the folder shared with it?"
    if status == 404:
        return "not found (HTTP 404); check the folder id and that it is shared"
    if status is not None:
        return f"HTTP {status}"
    return f"{type(error).__name__}: {str(error)[:200]}"
