"""A stub OpenAI-compatible chat server that streams a fixed answer at a fixed rate, or fails on purpose.

Used by the fault tests (5xx, 429, slow, malformed output, connection refused) and by the load
script. Modes: ok, error500, error429, slow (sleeps before answering), malformed (a broken stream).

    python -m evals.stub_llm --port 18999 --tokens-per-s 50
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DEFAULT_ANSWER = "The annual fee of the Platinum card is ¥1,200 [1]."


class StubLLM:
    def __init__(self, port: int = 0, answer: str = DEFAULT_ANSWER, tokens_per_s: float = 200.0) -> None:
        self.mode = "ok"
        self.answer = answer
        self.tokens_per_s = tokens_per_s
        self.slow_s = 5.0
        self.requests = 0
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                stub.requests += 1
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                mode = stub.mode
                if mode in ("error500", "error429"):
                    body = b'{"error": {"message": "unavailable"}}'
                    self.send_response(500 if mode == "error500" else 429)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                if mode == "slow":
                    time.sleep(stub.slow_s)
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                try:
                    if mode == "malformed":
                        self.wfile.write(b"data: {not json\n\n")
                        return
                    for word in stub.answer.split(" "):
                        chunk = {
                            "id": "stub",
                            "object": "chat.completion.chunk",
                            "created": 0,
                            "model": "stub",
                            "choices": [
                                {"index": 0, "delta": {"content": word + " "}, "finish_reason": None}
                            ],
                        }
                        self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                        self.wfile.flush()
                        time.sleep(1 / stub.tokens_per_s)
                    self.wfile.write(b"data: [DONE]\n\n")
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> StubLLM:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=18999)
    parser.add_argument("--tokens-per-s", type=float, default=50.0)
    args = parser.parse_args()
    with StubLLM(args.port, tokens_per_s=args.tokens_per_s) as stub:
        print(f"stub LLM at {stub.base_url}", flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
