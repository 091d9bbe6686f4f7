"""The service against a real uvicorn server on loopback: what it answers, and every way it
refuses (each with the OpenAI-shaped error and the status code serving tools use)."""

from __future__ import annotations

import base64
import concurrent.futures
import io
import socket
import struct
import time
import zlib

import httpx
import numpy as np
import pytest
from live import serve

from contrastkit.encoders import load_encoder
from contrastkit.serve.limits import Limits

SENTENCE = "a man playing a guitar"


def error_of(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()["error"]
    assert body["code"] == status and body["type"] and isinstance(body["message"], str)
    return body["message"]


def test_health_info_and_the_headers_of_every_response(text_server):
    r = httpx.get(f"{text_server.url}/health")
    assert r.status_code == 200 and r.json() == {"status": "ok"}
    assert len(r.headers["x-request-id"]) == 32 and r.headers["server-timing"].startswith(
        "app;dur="
    )
    given = httpx.get(f"{text_server.url}/info", headers={"X-Request-Id": "trace-42"})
    assert given.headers["x-request-id"] == "trace-42"
    info = given.json()
    assert info["inputs"] == "texts" and info["dim"] == 32 and info["index"]["count"] == 21
    assert info["accepts"] == ["text"]
    assert info["limits"]["max_inputs"] == 4


@pytest.mark.parametrize("fmt", ["float", "base64"])
def test_v1_embeddings_equal_the_encoders_own(text_server, text_corpus, fmt):
    texts = [SENTENCE, "two dogs run across the field"]
    r = httpx.post(
        f"{text_server.url}/v1/embeddings", json={"input": texts, "encoding_format": fmt}
    )
    assert r.status_code == 200
    body = r.json()
    assert body["object"] == "list" and [d["index"] for d in body["data"]] == [0, 1]
    assert body["usage"]["prompt_tokens"] > 0
    rows = [d["embedding"] for d in body["data"]]
    if fmt == "base64":
        rows = [np.frombuffer(base64.b64decode(row), dtype="<f4") for row in rows]
    expected = load_encoder(text_corpus["export"]).encode(texts).numpy()
    np.testing.assert_allclose(np.array(rows), expected, rtol=0, atol=1e-5)
    single = httpx.post(f"{text_server.url}/v1/embeddings", json={"input": SENTENCE, "model": "x"})
    assert len(single.json()["data"]) == 1 and single.json()["model"] == "x"


def test_search_finds_the_text_and_more_like_this_leaves_the_item_out(text_server, text_corpus):
    r = httpx.post(f"{text_server.url}/search", json={"query": SENTENCE, "k": 3})
    results = r.json()["results"]
    first = f"{text_corpus['source']}:train:0"
    assert [x["id"] for x in results][:1] == [first] and results[0]["score"] == pytest.approx(
        1, abs=1e-5
    )
    assert results[0]["preview"] == {"text": SENTENCE}
    like = httpx.post(f"{text_server.url}/search", json={"id": first, "k": 3}).json()["results"]
    assert len(like) == 3 and first not in [x["id"] for x in like]
    assert [x["id"] for x in like[:2]] == [x["id"] for x in results[1:]]  # itself left out
    embedded = httpx.post(f"{text_server.url}/embed", json={"inputs": [SENTENCE]}).json()
    assert len(embedded["embeddings"][0]) == embedded["dim"] == 32


def test_metrics_count_requests_and_batches(text_server):
    httpx.post(f"{text_server.url}/v1/embeddings", json={"input": [SENTENCE]})
    text = httpx.get(f"{text_server.url}/metrics").text
    assert 'contrastkit_requests_total{path="/v1/embeddings",status="200"}' in text
    batches = next(
        line for line in text.splitlines() if line.startswith("contrastkit_batches_total")
    )
    assert int(batches.split()[1]) >= 1
    assert "contrastkit_index_vectors 21" in text


@pytest.mark.parametrize(
    ("path", "body", "status", "message"),
    [
        ("/v1/embeddings", {"input": []}, 422, "input is empty"),
        ("/v1/embeddings", {"input": ["x"] * 5}, 422, "5 inputs; the limit is 4"),
        (
            "/v1/embeddings",
            {"input": ["x" * 201]},
            422,
            "a text of 201 characters; the limit is 200",
        ),
        ("/v1/embeddings", {"input": [" "]}, 422, "the text is empty"),
        ("/v1/embeddings", {"inputs": ["x"]}, 422, "invalid request: input"),
        ("/search", {"query": "x", "k": 21}, 422, "k must be in 1..20"),
        ("/search", {"query": "x", "id": "y"}, 422, "exactly one of"),
        ("/search", {"id": "nope"}, 404, "no item 'nope'"),
        ("/embed", {"images": ["aGVsbG8="]}, 422, "embeds texts; send a string"),
        ("/embed", {"images": ["@@@"]}, 422, "base64"),
    ],
)
def test_bad_requests_get_one_openai_shaped_error(text_server, path, body, status, message):
    assert message in error_of(httpx.post(f"{text_server.url}{path}", json=body), status)


def read_response(s: socket.socket) -> str:
    """One HTTP response from a socket: the headers, then Content-Length bytes of body."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += s.recv(65536)
    head, body = data.split(b"\r\n\r\n", 1)
    length = int(
        next(
            line.split(b":")[1]
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        )
    )
    while len(body) < length:
        body += s.recv(65536)
    return (head + b"\r\n\r\n" + body).decode()


def test_a_body_over_the_limit_is_refused_before_it_is_read(text_corpus):
    server = serve(index_dir=text_corpus["index"], limits=Limits(max_body_bytes=1000, threads=1))
    try:
        # headers promise 50 MB; only the headers are sent, and the answer comes at once
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
            s.sendall(
                b"POST /v1/embeddings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b'Content-Length: 50000000\r\n\r\n{"input": '
            )
            reply = read_response(s)
        assert reply.startswith("HTTP/1.1 413") and "the limit is 1,000" in reply
        # a chunked body without a length is cut off once it passes the limit
        chunks = (b'{"input": ["' + b"x" * 600 + b'"', b', "' + b"y" * 600 + b'"]}')
        r = httpx.post(f"{server.url}/v1/embeddings", content=iter(chunks))
        assert "the limit is 1,000" in error_of(r, 413)
    finally:
        server.stop()


def test_a_token_is_required_everywhere_but_the_page_and_health(text_corpus):
    server = serve(index_dir=text_corpus["index"], token="s3cret", limits=Limits(threads=1))
    try:
        url = f"{server.url}/v1/embeddings"
        assert "bearer token" in error_of(httpx.post(url, json={"input": "x"}), 401)
        wrong = {"Authorization": "Bearer s3cret-not"}
        error_of(httpx.post(url, json={"input": "x"}, headers=wrong), 401)
        error_of(httpx.get(f"{server.url}/metrics"), 401)
        right = {"Authorization": "Bearer s3cret"}
        assert httpx.post(url, json={"input": "x"}, headers=right).status_code == 200
        assert httpx.get(f"{server.url}/health").status_code == 200
        assert httpx.get(f"{server.url}/").status_code == 200
    finally:
        server.stop()


def test_overload_is_a_429_at_once_not_a_timeout(text_corpus):
    server = serve(
        index_dir=text_corpus["index"],
        limits=Limits(max_queued=3, max_inputs=32, max_batch_items=2, threads=1),
    )
    try:
        url = f"{server.url}/v1/embeddings"
        started = time.perf_counter()
        r = httpx.post(url, json={"input": ["x"] * 4})  # more than may ever wait
        assert "overloaded" in error_of(r, 429) and r.headers["retry-after"] == "1"
        assert time.perf_counter() - started < 2
        texts = [f"sentence number {i} " * 20 for i in range(3)]
        with concurrent.futures.ThreadPoolExecutor(24) as pool:
            codes = list(
                pool.map(
                    lambda _: httpx.post(url, json={"input": texts}, timeout=60).status_code,
                    range(24),
                )
            )
        assert set(codes) <= {200, 429} and codes.count(200) >= 1 and codes.count(429) >= 1
    finally:
        server.stop()


def test_shutdown_finishes_the_requests_in_flight(text_corpus):
    import threading

    server = serve(index_dir=text_corpus["index"], limits=Limits(max_batch_items=1, threads=1))
    url = f"{server.url}/v1/embeddings"
    texts = [f"a long sentence about the number {i} " * 30 for i in range(32)]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        futures = [
            pool.submit(httpx.post, url, json={"input": texts[i : i + 4]}, timeout=60)
            for i in range(0, 32, 4)
        ]
        time.sleep(0.3)  # requests are in the queue (one input per batch keeps them there)
        stopper = threading.Thread(target=server.stop)
        stopper.start()
        codes = [f.result().status_code for f in futures]
        stopper.join()
    assert codes == [200] * 8


def png(pixels: np.ndarray) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def bomb_png(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width × height pixels (the body is a few bytes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def test_an_uploaded_image_finds_itself(image_server, image_corpus):
    image = image_corpus["images"][5, 0].numpy()
    r = httpx.post(
        f"{image_server.url}/search",
        files={"image": ("q.png", png(image), "image/png")},
        data={"k": "4"},
    )
    results = r.json()["results"]
    assert (
        len(results) == 4 and results[0]["id"].endswith(":train:5") and results[0]["score"] > 0.99
    )
    assert results[0]["preview"]["image"].startswith("data:image/png;base64,")
    as_json = httpx.post(
        f"{image_server.url}/search", json={"image": base64.b64encode(png(image)).decode(), "k": 1}
    )
    assert as_json.json()["results"][0]["id"] == results[0]["id"]
    embedded = httpx.post(
        f"{image_server.url}/embed", json={"images": [base64.b64encode(png(image)).decode()]}
    )
    expected = load_encoder(image_corpus["export"]).encode(image_corpus["images"][5:6])
    np.testing.assert_allclose(embedded.json()["embeddings"], expected.numpy(), atol=1e-5)


@pytest.mark.parametrize(
    ("upload", "status", "message"),
    [
        (b"this is not an image", 422, "not an image this encoder can read"),
        (bomb_png(100_000, 100_000), 413, "image too large"),
    ],
)
def test_bad_uploads_are_refused(image_server, upload, status, message):
    r = httpx.post(f"{image_server.url}/search", files={"image": ("x.png", upload, "image/png")})
    assert message in error_of(r, status)


def test_text_to_an_image_index_is_refused(image_server):
    r = httpx.post(f"{image_server.url}/v1/embeddings", json={"input": "a shoe"})
    assert "embeds images" in error_of(r, 422)
