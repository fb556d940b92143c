"""A bounded queue, against `winnow serve --http-address ... --http-max-queue 1
--http-batch-window-ms 3000`: while one request waits in the batch window, the next gets 503 with
Retry-After and a JSON error at once; the waiting one is still scored, and so is a retry.

    python overload.py BASE_URL
"""
import threading
import time

import requests
import sys

base = sys.argv[1]
body = {"input_ids": [1173, 872, 198, 305, 287, 220, 18, 294, 220, 19, 30, 1174, 198]}
first = {}


def waiting():
    first["response"] = requests.post(f"{base}/classify", json=body, timeout=60)


thread = threading.Thread(target=waiting)
thread.start()
# Wait until the first request is queued (the queue-size gauge says so), then overflow it.
for _ in range(200):
    if "winnow_http_queue_size 1" in requests.get(f"{base}/metrics").text:
        break
    time.sleep(0.01)
else:
    raise SystemExit("the first request never showed in winnow_http_queue_size")
refused = requests.post(f"{base}/classify", json=body, timeout=60)
assert refused.status_code == 503, refused.text
assert refused.headers.get("retry-after") == "1", refused.headers
assert refused.json()["error"]["type"] == "overloaded", refused.text
thread.join()
assert first["response"].status_code == 200, first["response"].text
retry = requests.post(f"{base}/classify", json=body, timeout=60)
assert retry.status_code == 200, retry.text
assert retry.json()["embedding"] == first["response"].json()["embedding"]
print("overload: 503 + Retry-After beyond --http-max-queue; queued and retried requests scored")
