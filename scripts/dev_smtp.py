"""The development SMTP server: accepts every message on a loopback port and keeps each as an
.eml file in a directory, where developers and tests read them. Nothing is relayed.

    dev_smtp.py PORT MAILDIR [--starttls CERT KEY | --implicit-tls CERT KEY] [--auth USER:PASSWORD [--login-only]]

A message is written to a temporary name and renamed, so a reader never sees half of one.
The options make it a server as production ones are, for the SMTP client's tests: STARTTLS
offered and required before any mail (or TLS from the first byte), and AUTH PLAIN/LOGIN
required, offered only over TLS.
"""
import argparse
import os
import ssl
import time
import uuid

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


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


class OneAccount:
    """Accepts one user name and password, by any mechanism the server offers."""

    def __init__(self, user, password):
        self.user, self.password = user.encode(), password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == self.user and auth_data.password == self.password
        # handled=False: the server answers 535 itself when the check fails.
        return AuthResult(success=ok, handled=False)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("maildir")
    parser.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--implicit-tls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--auth", metavar="USER:PASSWORD")
    parser.add_argument("--login-only", action="store_true", help="offer AUTH LOGIN but not PLAIN")
    arguments = parser.parse_args()
    os.makedirs(arguments.maildir, exist_ok=True)
    options = {}
    certificate = arguments.starttls or arguments.implicit_tls
    if certificate:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*certificate)
        if arguments.starttls:
            options.update(tls_context=context, require_starttls=True)
        else:
            options.update(ssl_context=context)
    if arguments.auth:
        user, password = arguments.auth.split(":", 1)
        # aiosmtpd counts only STARTTLS as encryption: with TLS from the first byte, AUTH is over TLS anyway.
        options.update(authenticator=OneAccount(user, password), auth_required=True, auth_require_tls=not arguments.implicit_tls)
        if arguments.login_only:
            options.update(auth_exclude_mechanism=["PLAIN"])
    controller = Controller(KeepEveryMessage(arguments.maildir), hostname="127.0.0.1", port=arguments.port, **options)
    controller.start()
    try:
        # The controller serves from a thread of its own; this one only waits for a signal.
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
