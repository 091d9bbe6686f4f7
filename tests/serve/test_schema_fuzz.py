"""Schemathesis fuzzes every operation of the real service from its /openapi.json, with valid
and invalid inputs: no request may produce a server error (5xx)."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from live import serve

from contrastkit.serve.limits import Limits

schemathesis = pytest.importorskip("schemathesis", reason="the fuzz test needs schemathesis")


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_no_input_makes_the_service_fail(text_corpus, mode):
    server = serve(index_dir=text_corpus["index"], limits=Limits(threads=1))
    try:
        schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
        checked = []
        for result in schema.get_all_operations():
            operation = result.ok()

            @given(case=operation.as_strategy(schemathesis.GenerationMode(mode)))
            @settings(
                max_examples=25,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def call(case):
                response = case.call(base_url=server.url, timeout=30)
                assert response.status_code < 500, (case.method, case.path, response.text)

            try:
                call()
            except Unsatisfiable:  # no invalid input exists (a GET without parameters)
                assert mode == "negative"
                continue
            checked.append(f"{operation.method.upper()} {operation.path}")
        assert {"POST /v1/embeddings", "POST /embed", "POST /search"} <= set(checked)
        seen = httpx.get(f"{server.url}/metrics").text.splitlines()
        served = sum(
            int(line.split()[-1]) for line in seen if line.startswith("contrastkit_requests_total")
        )
        assert served >= 10 * len(checked)  # the fuzzing really reached the server
    finally:
        server.stop()
