"""A real SMTP server on loopback for Charta's tests (Debian's python3-aiosmtpd).

Every message it accepts is written to DIR as NNNNNN.eml, the envelope's
recipients first as an X-Envelope-To header, so tests read exactly what a
mail server received. It prints "ready PORT" once it listens and runs until
its standard input closes or it is killed.

    python3 tests/smtp/server.py --port 2525 --dir /tmp/mail
"""

import argparse
import os
import sys
import threading

from aiosmtpd.controller import Controller


class Maildir:
    def __init__(self, directory):
        self.directory = directory
        self.lock = threading.Lock()
        self.count = len([n for n in os.listdir(directory) if n.endswith(".eml")])

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            name = os.path.join(self.directory, f"{self.count:06d}.eml")
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8")
        tmp = name + ".tmp"
        with open(tmp, "wb") as f:
            f.write(("X-Envelope-To: " + ", ".join(envelope.rcpt_tos) + "\r\n").encode())
            f.write(content)
        # The rename makes a message appear whole or not at all.
        os.rename(tmp, name)
        return "250 Message accepted"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    controller = Controller(Maildir(args.dir), hostname="127.0.0.1", port=args.port)
    controller.start()
    print(f"ready {args.port}", flush=True)
    try:
        sys.stdin.read()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
