"""A loopback proxy in front of a real Prefect server that fails a set fraction of requests on purpose.

The faults are the ones Prefect Cloud and self-hosted servers show in production:

- `429`: Too Many Requests with a Retry-After header (Cloud's rate limit), not forwarded;
- `503`: Service Unavailable with a Retry-After header (a server shedding load, as Cloud's does), not forwarded;
- `502`: Bad Gateway without Retry-After (a load balancer whose target went away), not forwarded: the client
  falls back to its own backoff, as for a load balancer's bare 503;
- `drop_before`: the connection is closed before the request reaches the server;
- `drop_after`: the server handles the request, then the connection is closed before its answer is sent,
  so the client's retry meets its own write;
- `slow`: the server handles the request, and the answer comes later than the client's timeout.

Which requests fail is drawn from a seeded generator, so a run can be repeated. The same request (method,
path and body) is failed at most `most_in_a_row` times in a row, so a client that retries more often than
that always gets through: the tests check the end state, not whether retries can run out.

`go_down_after` stages an outage instead: a last write is handled but its answer lost, then nothing
reaches the server until `come_back`.
"""

from __future__ import annotations

import contextlib
import hashlib
import random
import threading
import time
from collections import Counter
from collections.abc import Sequence

from tests.support.wire_proxy import Forward, WireProxy, serving

#: What a refusal that says when to come back asks for, in seconds (Prefect reads fractions too).
RETRY_AFTER = "0.1"

FAULTS = ("429", "503", "502", "drop_before", "drop_after", "slow")


class FaultProxy(WireProxy):
    def __init__(
        self,
        upstream: str,
        faults: Sequence[str],
        *,
        fraction: float = 0.2,
        seed: int = 0,
        slow_seconds: float = 3.0,
        most_in_a_row: int = 2,
    ) -> None:
        unknown = sorted(set(faults) - set(FAULTS))
        if unknown:
            raise ValueError(f"unknown faults {unknown}; known: {FAULTS}")
        super().__init__(upstream, handler=_Faulty)
        self.faults = tuple(faults)
        self.fraction = fraction
        self.slow_seconds = slow_seconds
        self.most_in_a_row = most_in_a_row
        #: How many requests got each fault.
        self.injected: Counter[str] = Counter()
        self._random = random.Random(seed)
        self._in_a_row: Counter[str] = Counter()
        self._guard = threading.Lock()
        self._writes_before_outage: int | None = None
        self.down = False

    def go_down_after(self, writes: int) -> None:
        """Forward `writes` more writes, lose the answer to the last one, then let nothing through."""
        with self._guard:
            self._writes_before_outage = writes

    def come_back(self) -> None:
        """End the outage: requests reach the server again."""
        with self._guard:
            self._writes_before_outage, self.down = None, False

    def draw(self, method: str, path: str, body: bytes) -> str | None:
        """The fault this request gets, or None to forward it untouched."""
        key = hashlib.sha256(b"%s %s %s" % (method.encode(), path.encode(), body)).hexdigest()
        with self._guard:
            if self.down:
                return "drop_before"
            if self._writes_before_outage is not None and method != "GET":
                self._writes_before_outage -= 1
                if self._writes_before_outage == 0:
                    self.down = True
                    return "drop_after"
            if not self.faults or self._in_a_row[key] >= self.most_in_a_row or self._random.random() >= self.fraction:
                self._in_a_row.pop(key, None)
                return None
            self._in_a_row[key] += 1
            fault = self._random.choice(self.faults)
            self.injected[fault] += 1
            return fault


class _Faulty(Forward):
    server: FaultProxy

    def _forward(self) -> None:
        body = self.read_request()
        fault = self.server.draw(self.command, self.path, body)
        if fault is None:
            self.reply(self.send_upstream(body))
        elif fault in ("429", "503", "502"):
            self.answer_refusal(int(fault))
        elif fault == "drop_before":
            self.close_connection = True
        elif fault == "drop_after":
            self.send_upstream(body)
            self.close_connection = True
        else:
            answer = self.send_upstream(body)
            time.sleep(self.server.slow_seconds)
            # The client gave up waiting and closed its end; only its retry is answered.
            with contextlib.suppress(OSError):
                self.reply(answer)

    def answer_refusal(self, status: int) -> None:
        content = b'{"detail": "injected by the fault proxy"}'
        self.send_response(status)
        if status in (429, 503):
            self.send_header("Retry-After", RETRY_AFTER)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _forward


def fault_proxy(
    upstream: str, faults: Sequence[str], **options: float
) -> contextlib.AbstractContextManager[FaultProxy]:
    """A running fault proxy in front of `upstream` (a server's root URL, without /api)."""
    return serving(FaultProxy(upstream, faults, **options))  # type: ignore[arg-type]
