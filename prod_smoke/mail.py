"""The SMTP server the deployment sends to: aiosmtpd on a loopback port, keeping every message it accepts."""

from __future__ import annotations

import logging
import threading
from email import message_from_bytes
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller


class Recorder:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages.append(message_from_bytes(envelope.original_content))
        return "250 2.0.0 Accepted"


class MailServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.recorder = Recorder()
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=port)
        self.running = False
        # aiosmtpd logs every SMTP command at INFO; the smoke test's output is about the app.
        logging.getLogger("mail.log").setLevel(logging.WARNING)

    def start(self) -> None:
        self.controller.start()
        self.running = True

    def stop(self) -> None:
        if self.running:
            self.controller.stop()
            self.running = False

    def message_ids(self) -> list[str]:
        with self.recorder.lock:
            return [str(message["Message-ID"]) for message in self.recorder.messages]
