"""A local stand-in for Stripe's list API, for tests, the demo and the compose stack.

It serves `GET /v1/customers`, `/v1/subscriptions` and `/v1/checkout/sessions` with Stripe's list envelope,
`limit`/`starting_after` pagination, `status` filtering (the default subscription list hides canceled
ones, as Stripe's does) and `expand[]=data.line_items`. Faults are queued per path: a status with headers
(429 with `Retry-After`, 500) or a delay longer than the client's timeout. The real `stripe` SDK talks to it
through `StripeClient(..., base_addresses={"api": server.url})`.

    python -m superlytics_usage.stripe_standin --port 12111 --state stripe-state.json
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from collections import defaultdict, deque
from contextlib import suppress
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

RESOURCES = {"/v1/customers": "customers", "/v1/subscriptions": "subscriptions",
             "/v1/checkout/sessions": "checkout_sessions"}
SUBSCRIPTION_DEFAULT_HIDDEN = {"canceled", "incomplete_expired"}


@dataclass(frozen=True)
class Fault:
    status: int = 500
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0


class StripeStandIn:
    """The objects served, the faults queued, and the requests seen."""

    def __init__(self, state: dict[str, list[dict]] | None = None, *, host: str = "127.0.0.1",
                 port: int = 0) -> None:
        self.state: dict[str, list[dict]] = {name: [] for name in RESOURCES.values()}
        self.state.update(state or {})
        self.faults: dict[str, deque[Fault]] = defaultdict(deque)
        self.requests: list[tuple[str, dict[str, list[str]], str]] = []
        self._server = ThreadingHTTPServer((host, port), self._handler())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def airflow_connection(self, api_key: str = "sk_test_standin") -> dict:
        """The `stripe_default` Connection for this stand-in: the key as password, the URL as `api_base`."""
        return {"conn_type": "generic", "password": api_key, "extra": {"api_base": self.url}}

    def fail(self, path: str, *faults: Fault) -> None:
        """Answer the next requests to `path` with these faults, in order."""
        self.faults[path].extend(faults)

    def start(self) -> StripeStandIn:
        self._thread = threading.Thread(target=self._server.serve_forever, name="stripe-standin", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> StripeStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def page(self, path: str, query: dict[str, list[str]]) -> dict[str, Any]:
        """One page of a list, shaped like Stripe's list object."""
        objects = list(self.state[RESOURCES[path]])
        status = query.get("status", [None])[0]
        if path == "/v1/subscriptions":
            if status is None:
                objects = [o for o in objects if o.get("status") not in SUBSCRIPTION_DEFAULT_HIDDEN]
            elif status != "all":
                objects = [o for o in objects if o.get("status") == status]
        elif status is not None:
            objects = [o for o in objects if o.get("status") == status]
        expand = set(query.get("expand[]", []) + query.get("expand[0]", []))
        if path == "/v1/checkout/sessions" and "data.line_items" not in expand:
            objects = [{k: v for k, v in o.items() if k != "line_items"} for o in objects]
        after = query.get("starting_after", [None])[0]
        if after is not None:
            ids = [o["id"] for o in objects]
            if after not in ids:
                raise LookupError(f"No such object: '{after}'")
            objects = objects[ids.index(after) + 1:]
        limit = max(1, min(100, int(query.get("limit", ["10"])[0])))
        return {"object": "list", "url": path, "has_more": len(objects) > limit, "data": objects[:limit]}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # quiet: tests read `standin.requests` instead
                pass

            def do_GET(self) -> None:
                parsed = urlparse(self.path)
                query = parse_qs(parsed.query)
                standin.requests.append((parsed.path, query, self.headers.get("Authorization", "")))
                if parsed.path not in RESOURCES:
                    return self._send(404, {"error": {"type": "invalid_request_error",
                                                      "message": f"Unrecognized request URL (GET: {parsed.path})"}})
                queue = standin.faults.get(parsed.path)
                if queue:
                    fault = queue.popleft()
                    time.sleep(fault.delay)
                    if fault.status != 200:
                        return self._send(fault.status, {"error": {"type": "api_error", "message": "stand-in fault"}},
                                          dict(fault.headers))
                try:
                    return self._send(200, standin.page(parsed.path, query))
                except LookupError as exc:
                    return self._send(400, {"error": {"type": "invalid_request_error", "message": str(exc)}})

            def _send(self, status: int, body: dict, headers: dict[str, str] | None = None) -> None:
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("Request-Id", f"req_standin_{len(standin.requests)}")
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                with suppress(BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
                    self.wfile.write(payload)

        return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--state", type=Path, help="JSON with customers, subscriptions, checkout_sessions")
    args = parser.parse_args()
    state = json.loads(args.state.read_text()) if args.state and args.state.exists() else None
    server = StripeStandIn(state, host=args.host, port=args.port)
    served = f"state from {args.state}" if state is not None else "no objects (state file absent)"
    print(f"Stripe stand-in on {server.url}, {served}", flush=True)
    server._server.serve_forever()


if __name__ == "__main__":
    main()
