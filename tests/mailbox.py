"""The emails the app wrote (the test configuration writes each to a file), and the links in them."""

from __future__ import annotations

import email
import re
from email import policy as email_policy
from email.message import EmailMessage
from pathlib import Path

from flask import Flask

# The path of an emailed link (a password reset, an invitation) in a message's text.
LINK = re.compile(r"http://passerelle\.test(/(?:reset|join)/[A-Za-z0-9_-]+)")


def sent_to(app: Flask, to: str) -> list[EmailMessage]:
    """The emails written (sent) to `to`, oldest first."""
    directory = Path(app.config["MAIL_FILE_PATH"])
    messages = [
        email.message_from_bytes(path.read_bytes(), policy=email_policy.default)
        for path in sorted(directory.glob("*.eml"))
    ]
    return [message for message in messages if message["To"] == to]


def link_sent_to(app: Flask, to: str) -> str:
    """The path of the link in the last email sent to `to`."""
    sent = sent_to(app, to)
    assert sent, f"no email to {to}"
    match = LINK.search(sent[-1].get_body().get_content())
    assert match, sent[-1].get_body().get_content()
    return match.group(1)
