"""The gateway's REST call to Rasa: one kept-alive connection per thread, never a resent message.

A real HTTP server on loopback plays Rasa's REST channel and counts connections and requests."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import List

import pytest

from gateway.rasa_client import RasaClient, RasaUnavailable

REPLY = [{"recipient_id": "rest:a", "text": "Bước 1/5: Mở trang dichvucong.thanhhoa.gov.vn"}]


class FakeRestChannel:
    """An HTTP/1.1 server (keep-alive): `mode` says what it does with the next request."""

    def __init__(self) -> None:
        self.connections = 0
        self.requests: List[dict] = []
        self.mode = "answer"  # answer | answer_then_close | drop | error
        self.closed = threading.Event()  # a connection was closed by this side
        channel = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                channel.connections += 1

            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802
                mode = channel.mode  # read once: the test may change it as soon as the answer has left
                channel.requests.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                if mode == "drop":  # dies with the request read and no answer
                    self.close_connection = True
                    return
                status, body = (500, b"{}") if mode == "error" else (200, json.dumps(REPLY).encode())
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                # an idle keep-alive timeout: closed without saying so in the answer
                self.close_connection = mode == "answer_then_close"

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def shutdown_request(self, request):  # the socket really closed (FIN sent), not just the handler done
                super().shutdown_request(request)
                channel.closed.set()

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def channel():
    server = FakeRestChannel()
    yield server
    server.close()


def client(url: str) -> RasaClient:
    return RasaClient(url, "token", "http://127.0.0.1:9", timeout=5)


def test_messages_reuse_one_connection_per_thread(channel):
    rasa = client(channel.url)
    for i in range(5):
        assert rasa.send("rest:a", f"tin {i}", {"gateway_message_id": i}) == REPLY
    assert channel.connections == 1
    assert [r["metadata"]["gateway_message_id"] for r in channel.requests] == [0, 1, 2, 3, 4]
    other = threading.Thread(target=rasa.send, args=("rest:b", "xin chào"))
    other.start()
    other.join()
    assert channel.connections == 2  # a thread never shares its connection


def test_a_connection_the_server_closed_while_idle_is_replaced_before_use(channel):
    rasa = client(channel.url)
    channel.mode = "answer_then_close"
    assert rasa.send("rest:a", "một") == REPLY
    channel.mode = "answer"
    assert channel.closed.wait(5)
    assert rasa.send("rest:a", "hai") == REPLY
    assert [r["message"] for r in channel.requests] == ["một", "hai"]
    assert channel.connections == 2


def test_a_message_is_never_sent_twice_when_rasa_dies_mid_answer(channel):
    rasa = client(channel.url)
    channel.mode = "drop"
    with pytest.raises(RasaUnavailable):
        rasa.send("rest:a", "ko nhận được mã")
    assert len(channel.requests) == 1  # the gateway's own retry logic decides, with the tracker store
    channel.mode = "answer"
    assert rasa.send("rest:a", "lần sau") == REPLY  # a fresh connection afterwards


def test_error_status_and_refused_connection_are_rasa_unavailable(channel):
    channel.mode = "error"
    with pytest.raises(RasaUnavailable, match="HTTP 500"):
        client(channel.url).send("rest:a", "xin chào")
    with pytest.raises(RasaUnavailable):
        client("http://127.0.0.1:9").send("rest:a", "xin chào")
