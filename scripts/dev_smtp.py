"""The development SMTP server: accepts every message on a loopback port and keeps each as an
.eml file in a directory, where developers and tests read them. Nothing is relayed.

    dev_smtp.py PORT MAILDIR

A message is written to a temporary name and renamed, so a reader never sees half of one.
"""
import os
import sys
import time
import uuid

from aiosmtpd.controller import Controller


class KeepEveryMessage:
    def __init__(self, maildir):
        self.maildir = maildir

    async def handle_DATA(self, server, session, envelope):
        name = "%d-%s.eml" % (time.time_ns(), uuid.uuid4().hex)
        temporary = os.path.join(self.maildir, "." + name)
        with open(temporary, "wb") as file:
            recipients = ", ".join(envelope.rcpt_tos)
            file.write(("X-Envelope-From: %s\r\nX-Envelope-To: %s\r\n" % (envelope.mail_from, recipients)).encode())
            file.write(envelope.original_content)
        os.rename(temporary, os.path.join(self.maildir, name))
        return "250 Message accepted for delivery"


def main():
    port, maildir = int(sys.argv[1]), sys.argv[2]
    os.makedirs(maildir, exist_ok=True)
    controller = Controller(KeepEveryMessage(maildir), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        # The controller serves from a thread of its own; this one only waits for a signal.
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
