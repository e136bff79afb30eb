"""A real SMTP server (aiosmtpd, from PyPI) for vici's notification tests.

Listens on 127.0.0.1 on a free port and prints `PORT <n>`. Every accepted message is kept as
`<dir>/mail-<n>.eml` (the bytes received) and `<dir>/mail-<n>.json` (envelope, decoded headers
and parts), the JSON written last and atomically so a reader never sees half of one.

Behaviour the tests steer:
- a recipient whose local part starts with `reject` is refused with 550 (permanent);
- while the file `<dir>/down` exists, every transaction is answered 421 (transient);
- while the file `<dir>/delay_ms` holds a number, each message is accepted that much later
  (kept first: a client that hangs up meanwhile has still delivered it).

Exits when its standard input closes, so it never outlives the test that started it.
"""
import argparse
import asyncio
import email
import email.policy
import itertools
import json
import os
import sys
import time

from aiosmtpd.smtp import SMTP


class Handler:
    def __init__(self, directory):
        self.directory = directory
        self.numbers = itertools.count(1)

    def down(self):
        return os.path.exists(os.path.join(self.directory, "down"))

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.down():
            return "421 4.3.2 Service not available, try again later"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.split("@")[0].lower().startswith("reject"):
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.down():
            return "421 4.3.2 Service not available, try again later"
        n = next(self.numbers)
        raw = envelope.original_content or envelope.content
        try:
            with open(os.path.join(self.directory, "delay_ms")) as f:
                delay = int(f.read().strip() or 0) / 1000
        except (OSError, ValueError):
            delay = 0
        message = email.message_from_bytes(raw, policy=email.policy.default)

        def part(kind):
            body = message.get_body(preferencelist=(kind,))
            return body.get_content() if body is not None else None

        record = {
            "receivedAt": time.time(),
            "mailFrom": envelope.mail_from,
            "rcptTo": envelope.rcpt_tos,
            "from": str(message["From"]),
            "to": str(message["To"]),
            "subject": str(message["Subject"]),
            "messageId": str(message["Message-ID"]),
            "headers": [[k, str(v)] for k, v in message.items()],
            "text": part("plain"),
            "html": part("html"),
        }
        stem = os.path.join(self.directory, f"mail-{n:06d}")
        with open(stem + ".eml", "wb") as f:
            f.write(raw)
        with open(stem + ".json.partial", "w") as f:
            json.dump(record, f)
        os.replace(stem + ".json.partial", stem + ".json")
        if delay:
            await asyncio.sleep(delay)
        return "250 2.0.0 Accepted"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    loop = asyncio.new_event_loop()
    handler = Handler(args.dir)
    server = loop.run_until_complete(
        loop.create_server(
            lambda: SMTP(handler, hostname="vici-test-smtp", decode_data=False),
            "127.0.0.1",
            0,
        )
    )
    port = server.sockets[0].getsockname()[1]
    print(f"PORT {port}", flush=True)
    loop.add_reader(sys.stdin.fileno(), lambda: sys.stdin.buffer.read1() or loop.stop())
    loop.run_forever()
    # Open client connections would be reported as destroyed tasks at exit: leave at once.
    os._exit(0)


if __name__ == "__main__":
    main()
