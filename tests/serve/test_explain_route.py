"""``POST /explain`` on a real server: the explanation the library gives, as numbers and as
the HTML the page shows; refusals in the service's error shape."""

from __future__ import annotations

import httpx
import pytest
from test_service import SENTENCE, error_of

from contrastkit.encoders import load_encoder
from contrastkit.explain import explain


def _ids(text_corpus) -> list[str]:
    return [f"{text_corpus['source']}:train:{i}" for i in range(3)]


def test_why_and_why_rather_than_the_next_match_the_library(text_server, text_corpus):
    first, second, third = _ids(text_corpus)
    request = {"query": SENTENCE, "candidate": second, "versus": third, "steps": 8}
    r = httpx.post(f"{text_server.url}/explain", json=request, timeout=60)
    assert r.status_code == 200, r.text
    body = r.json()
    encoder = load_encoder(text_corpus["export"])
    searched = httpx.post(f"{text_server.url}/search", json={"id": first, "k": 20}).json()
    texts = {hit["id"]: hit["preview"]["text"] for hit in searched["results"]}
    expected = explain(encoder, SENTENCE, texts[second], versus=texts[third], steps=8)
    assert body["similarity"] == pytest.approx(expected.similarity, abs=1e-5)
    assert body["versus_similarity"] == pytest.approx(expected.versus_similarity, abs=1e-5)
    assert set(body["top"]) == {"query", "candidate", "versus"}
    assert [p for p, _ in body["top"]["candidate"]] == [p for p, _ in expected.candidate.top(5)]
    assert "<span" in body["html"] and "pairwise map" in body["html"]


def test_an_indexed_item_can_be_the_query(text_server, text_corpus):
    first, second, _ = _ids(text_corpus)
    request = {"id": first, "candidate": second, "pairwise": False}
    body = httpx.post(f"{text_server.url}/explain", json=request, timeout=60).json()
    assert "pairwise map" not in body["html"] and -1 <= body["similarity"] <= 1


@pytest.mark.parametrize(
    ("request_body", "status", "message"),
    [
        ({"query": "x", "candidate": "nope"}, 404, "no item 'nope'"),
        ({"query": "x", "id": "a", "candidate": "b"}, 422, "exactly one of"),
        ({"query": "x"}, 422, "candidate"),
        ({"query": "x", "candidate": "b", "steps": 0}, 422, "steps"),
    ],
)
def test_bad_explain_requests_are_refused(text_server, request_body, status, message):
    r = httpx.post(f"{text_server.url}/explain", json=request_body)
    assert message in error_of(r, status)


def test_an_image_result_is_explained_with_heat_maps(image_server, image_corpus):
    index_ids = [f"npz:{image_corpus['index'].parent / 'images.npz'}:train:{i}" for i in (3, 4)]
    request = {"id": index_ids[0], "candidate": index_ids[1], "steps": 8}
    r = httpx.post(f"{image_server.url}/explain", json=request, timeout=60)
    assert r.status_code == 200, r.text
    assert r.json()["html"].count("data:image/png;base64,") == 3  # query, candidate, pairwise
