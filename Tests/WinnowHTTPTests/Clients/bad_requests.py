"""Bad requests, slow clients and resets against `winnow serve --http-address` (started with
--http-max-body-bytes 65536 --http-max-inputs 256 --http-timeout 3): each gets a clear 4xx JSON
error, and a good request still works after every one of them.

    python bad_requests.py BASE_URL
"""
import json
import socket
import struct
import sys
import time
from urllib.parse import urlparse

import requests

base = sys.argv[1]
host, port = urlparse(base).hostname, urlparse(base).port
good = {"text": ["<|im_start|>user\nWhat is 2 + 2?<|im_end|>\n<|im_start|>assistant\n4<|im_end|>\n"]}


def still_serving():
    r = requests.post(f"{base}/classify", json=good, timeout=30)
    assert r.status_code == 200 and isinstance(r.json()[0]["embedding"][0], float), r.text


def expect(status, response, fragment, kind=None):
    assert response.status_code == status, f"expected {status}, got {response.status_code}: {response.text}"
    assert response.headers["content-type"].startswith("application/json"), response.headers
    error = response.json()["error"]
    assert error["code"] == status and fragment in error["message"], error
    if kind:
        assert error["type"] == kind, error
    still_serving()


def post(path, body=None, raw=None):
    if raw is not None:
        return requests.post(f"{base}{path}", data=raw, headers={"Content-Type": "application/json"}, timeout=30)
    return requests.post(f"{base}{path}", json=body, timeout=30)


# Malformed JSON, not an object, empty body.
expect(400, post("/classify", raw=b'{"text": ["a", }'), "not valid JSON")
expect(400, post("/get_reward", raw=b"[1, 2"), "not valid JSON")
expect(400, post("/classify", raw=b""), "empty")
expect(400, post("/classify", raw=b"\xff\xfe"), "UTF-8")
expect(400, post("/classify", body=[1, 2]), "expects a JSON object")
# Wrong types.
expect(400, post("/classify", body={"text": 5}), "\"text\" must be a string")
expect(400, post("/classify", body={"text": ["a", 3]}), "\"text\"[1] must be a string")
expect(400, post("/classify", body={"input_ids": [[1, 2], ["x"]]}), "must be a token id")
expect(400, post("/classify", body={"input": "x", "use_activation": "no"}), "use_activation")
expect(400, post("/get_reward", body={"query": "one text"}), "\"query\" must be a list")
expect(400, post("/pooling", body={"messages": [{"role": "wizard", "content": "hi"}]}), "role \"wizard\"")
expect(400, post("/classify", body={"input_ids": [10 ** 9]}), "outside the vocabulary")
expect(400, post("/v1/groups", body={"group_id": "g", "prompt": "p", "candidates": "a"}), "must be an array", "schema_violation")
# Empty lists.
expect(400, post("/classify", body={"text": []}), "empty")
expect(400, post("/get_reward", body={"query": []}), "empty")
expect(400, post("/v1/groups", body=[]), "empty")
expect(400, post("/classify", body={}), "needs \"text\"")
# Unknown fields (a misspelt option is never silently ignored).
expect(400, post("/classify", body={"text": "a", "temperature": 0}), "unknown field \"temperature\"")
expect(400, post("/classify", body={"input": "a", "use_activations": False}), "unknown field \"use_activations\"")
expect(400, post("/get_reward", body={"query": ["a"], "extra": 1}), "unknown field \"extra\"")
# Too many inputs, oversized bodies.
expect(413, post("/classify", body={"text": ["x"] * 10_000}), "at most 256", "too_large")
expect(413, post("/get_reward", body={"query": ["x"] * 257}), "at most 256", "too_large")
expect(413, post("/classify", body={"text": ["x" * 70_000]}), "65536", "too_large")
# Too long for the model (the demo model's limit is 2048 tokens).
expect(400, post("/classify", body={"input_ids": [[1] * 5000]}), "limit")
# Unknown path and method.
expect(404, requests.get(f"{base}/nope"), "no endpoint")
expect(404, requests.post(f"{base}/v1/chat/completions", json={}), "no endpoint")
# A known path with the wrong method: 405 and the methods it takes (as FastAPI servers answer).
for method, path, allowed in [("GET", "/classify", "POST"), ("PUT", "/v1/groups", "POST"), ("DELETE", "/get_reward", "POST"),
                              ("GET", "/pooling/", "POST"), ("GET", "//get_reward", "POST"), ("POST", "/healthz", "GET, HEAD"), ("POST", "/metrics", "GET, HEAD")]:
    r = requests.request(method, f"{base}{path}", timeout=30)
    expect(405, r, f"takes {allowed}, not {method}", "method_not_allowed")
    assert r.headers["allow"] == allowed, r.headers
# HEAD on every GET endpoint: GET's status and headers, no body (the connection stays usable).
with requests.Session() as session:
    for path in ["/healthz", "/readyz", "/metrics", "/v1/models", "/get_model_info"]:
        head, get = session.head(f"{base}{path}", timeout=30), session.get(f"{base}{path}", timeout=30)
        assert head.status_code == get.status_code == 200 and head.content == b"", (path, head.status_code, head.content[:100])
        assert head.headers["content-type"] == get.headers["content-type"], (path, head.headers, get.headers)
        if path != "/metrics":  # the metrics' text changes between the two calls
            assert int(head.headers["content-length"]) == len(get.content), (path, head.headers)


def raw_socket():
    s = socket.create_connection((host, port), timeout=30)
    return s


# A slow client: headers and half the body, then nothing: 408 JSON once the request timeout passes.
s = raw_socket()
body = json.dumps(good).encode()
s.sendall(b"POST /classify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body[:10])
still_serving()  # others are served meanwhile
started = time.monotonic()
reply = b""
while b"\r\n\r\n" not in reply or not reply.rstrip().endswith(b"}"):
    chunk = s.recv(65536)
    if not chunk:
        break
    reply += chunk
s.close()
assert reply.startswith(b"HTTP/1.1 408"), reply[:200]
assert b'"type":"timeout"' in reply, reply
still_serving()

# Resets: a client that sends a request and resets the connection at once, and one that resets
# halfway through its headers, many times.
for i in range(20):
    s = raw_socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    if i % 2:
        s.sendall(b"POST /classify HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    else:
        s.sendall(b"POST /classify HTTP/1.1\r\nHost: x\r\nContent-Le")
    s.close()
still_serving()
# Garbage that is not HTTP at all.
s = raw_socket()
s.sendall(b"\x16\x03\x01\x02\x00 hello there\r\n\r\n")
try:
    s.recv(1024)
except OSError:
    pass
s.close()
still_serving()
print("bad requests: every one answered with a clear JSON error; the server kept serving")
