"""Uploading a file where the person asked, or to their DM with the bot when that is refused."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)


def upload_for(
    client: WebClient,
    *,
    user: str,
    channel: str | None,
    content: bytes | str,
    filename: str,
    title: str,
    note: str,
) -> str:
    """Upload with files.getUploadURLExternal + files.completeUploadExternal; return the channel.

    Tries `channel` first (where the command came from); if Slack refuses (the bot is not in it),
    shares the file in the user's DM with the bot instead.
    """
    if channel:
        try:
            client.files_upload_v2(channel=channel, content=content, filename=filename, title=title)
            return channel
        except SlackApiError as error:
            refused = error.response.get("error")
            log.info("upload to %s refused (%s); using the DM", channel, refused)
    # chat.postMessage to a user id opens the app's DM (chat:write alone, no im:write needed)
    # and tells us its channel id for the upload.
    posted = client.chat_postMessage(channel=user, text=note)
    dm = str(posted["channel"])
    client.files_upload_v2(channel=dm, content=content, filename=filename, title=title)
    return dm
