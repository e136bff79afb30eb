"""A Twilio-shaped SMS provider at its HTTP boundary, for vici's system tests (the real one
cannot be reached from here).

`POST /2010-04-01/Accounts/<account>/Messages.json` with basic auth `<account>:<token>` and the
form fields `To`, `From`, `Body`, as Twilio's API takes them. Each accepted message is appended
as one JSON line to `<dir>/sent.jsonl` (with its `Idempotency-Key` header) and answered 201
with a `sid`; a wrong account or token is 401; Twilio's invalid test number `+15005550001` is
400. Listens on 127.0.0.1 on a free port and prints `PORT <n>`; exits when its standard input
closes.
"""
import argparse
import base64
import http.server
import itertools
import json
import os
import sys
import threading
import urllib.parse

INVALID_NUMBER = "+15005550001"


def make_handler(account, token, directory):
    numbers = itertools.count(1)
    lock = threading.Lock()
    expected = "Basic " + base64.b64encode(f"{account}:{token}".encode()).decode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def answer(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            form = urllib.parse.parse_qs(self.rfile.read(length).decode())
            field = lambda name: (form.get(name) or [""])[0]
            if self.path != f"/2010-04-01/Accounts/{account}/Messages.json" \
                    or self.headers.get("Authorization") != expected:
                return self.answer(401, {"code": 20003, "message": "Authenticate"})
            if field("To") == INVALID_NUMBER:
                return self.answer(400, {"code": 21211, "message": "The 'To' number is not valid."})
            with lock:
                sid = f"SM{next(numbers):032x}"
                record = {"sid": sid, "to": field("To"), "from": field("From"),
                          "body": field("Body"),
                          "idempotencyKey": self.headers.get("Idempotency-Key")}
                with open(os.path.join(directory, "sent.jsonl"), "a") as f:
                    f.write(json.dumps(record) + "\n")
            self.answer(201, {"sid": sid, "to": field("To"), "status": "queued"})

    return Handler


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--account", required=True)
    parser.add_argument("--token", required=True)
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    handler = make_handler(args.account, args.token, args.dir)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    print(f"PORT {server.server_address[1]}", flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.buffer.read()  # until the test that started it goes away
    os._exit(0)


if __name__ == "__main__":
    main()
