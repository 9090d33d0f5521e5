#!/usr/bin/python3
"""A real SMTP server on loopback for the tests (Debian's python3-aiosmtpd).

Usage: smtp_sink.py DIR [--tls CERT KEY]
Listens on a free port of 127.0.0.1, writes the port to DIR/port, and stores each message it
accepts as DIR/NNNN.eml with the envelope in DIR/NNNN.json. A recipient whose address starts with
"bounce" is refused for good (550), one starting with "later" for now (451). With --tls the server
offers STARTTLS with the given certificate and refuses mail until it is used. Runs until killed.
"""
import asyncio
import json
import os
import socket
import ssl
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("bounce"):
            return "550 5.1.1 No such mailbox here"
        if address.startswith("later"):
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.directory, "%04d" % self.count)
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        with open(base + ".json", "w") as f:
            json.dump({"from": envelope.mail_from, "to": envelope.rcpt_tos, "tls": session.ssl is not None,
                       "peer": str(session.peer), "at": time.time()}, f)
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 Message accepted"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    directory = sys.argv[1]
    os.makedirs(directory, exist_ok=True)
    tls = None
    if len(sys.argv) >= 5 and sys.argv[2] == "--tls":
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(sys.argv[3], sys.argv[4])
    port = free_port()
    handler = Sink(directory)
    if tls:
        controller = Controller(handler, hostname="127.0.0.1", port=port, tls_context=tls, require_starttls=True)
    else:
        controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    with open(os.path.join(directory, "port.tmp"), "w") as f:
        f.write(str(port))
    os.rename(os.path.join(directory, "port.tmp"), os.path.join(directory, "port"))
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
