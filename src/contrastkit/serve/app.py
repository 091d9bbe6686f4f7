"""The embedding and search service: a FastAPI app over an Encoder and, optionally, an index.

Endpoints: ``GET /health``, ``GET /info``, ``POST /v1/embeddings`` (OpenAI's shape, float or
base64), ``POST /embed``, ``POST /search`` (a text, an image — JSON base64 or a multipart
upload — or ``id`` for "more like this"), ``GET /metrics`` (Prometheus), and the search page
at ``/``. Inputs are parsed by the encoder (:class:`~contrastkit.encoders.ParsesInputs`), so
the app never asks what kind of data it serves; they are encoded by the dynamic
:class:`~contrastkit.serve.batcher.Batcher`. Limits and status codes: :mod:`.limits`.
Imports no training code.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
from collections.abc import AsyncIterator
from importlib import resources
from typing import Any, Literal

import numpy as np
import orjson
import torch
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field

from contrastkit.encoders import Encoder, InputError, ParsesInputs
from contrastkit.explain.explanation import explain
from contrastkit.explain.page import fragment
from contrastkit.explain.parts import ExplainsParts
from contrastkit.search.open import Searcher
from contrastkit.serve.batcher import Batcher, Costs, Overloaded
from contrastkit.serve.http import BodyLimit, Edges, error_response
from contrastkit.serve.limits import Limits
from contrastkit.serve.metrics import Metrics

OPEN_PATHS = {"/", "/health"}  # no token needed: the page (it asks for one) and liveness


class EmbeddingsRequest(BaseModel):
    """OpenAI's ``POST /v1/embeddings`` body (fields it has and we do not use are ignored)."""

    model_config = ConfigDict(extra="ignore")
    input: str | list[str]
    model: str | None = None
    encoding_format: Literal["float", "base64"] = "float"


class EmbedRequest(BaseModel):
    """``POST /embed``: texts, or image files as base64 (whichever the encoder takes)."""

    model_config = ConfigDict(extra="forbid")
    inputs: list[str] = Field(default_factory=list)
    images: list[str] = Field(default_factory=list)


class SearchRequest(BaseModel):
    """``POST /search`` as JSON: one of ``query`` (text), ``image`` (a base64 image file) or
    ``id`` (an indexed item: more like it), and ``k``."""

    model_config = ConfigDict(extra="forbid")
    query: str | None = None
    image: str | None = None
    id: str | None = None
    k: int = 10


class ExplainRequest(BaseModel):
    """``POST /explain``: why the indexed item ``candidate`` is near the query (one of
    ``query`` text, ``image`` base64 file, or ``id`` of an indexed item), and with ``versus``
    why nearer than that indexed item."""

    model_config = ConfigDict(extra="forbid")
    query: str | None = None
    image: str | None = None
    id: str | None = None
    candidate: str
    versus: str | None = None
    steps: int = Field(16, ge=1, le=64)
    pairwise: bool = True


class ClientError(Exception):
    """A request the service refuses: its status code and one sentence."""

    def __init__(self, status: int, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.param = status, message, param


def create_app(
    encoder: Encoder,
    *,
    searcher: Searcher | None = None,
    limits: Limits | None = None,
    token: str | None = None,
    model_name: str = "contrastkit",
) -> FastAPI:
    """The service over ``encoder`` (and ``searcher``'s index, when given)."""
    limits = limits or Limits()
    torch.set_num_threads(limits.threads)
    batcher = Batcher(
        lambda items: encoder.encode(items, batch_size=limits.max_batch_items),
        cost=encoder.cost if isinstance(encoder, Costs) else (lambda item: 1),
        max_batch_cost=limits.max_batch_cost,
        max_batch_items=limits.max_batch_items,
        max_queued=limits.max_queued,
        workers=limits.workers,
    )
    # searches are batched too: one (Q, dim) × (dim, N) product serves Q queries
    searches = Batcher(
        lambda queries: _search_many(searcher, queries),
        max_batch_items=limits.max_batch_items,
        max_batch_cost=limits.max_batch_items,
        max_queued=limits.max_queued,
        workers=1,
    )
    metrics = Metrics()
    state = {"ready": False}
    explaining = {"waiting": 0}  # explanations run one at a time; a few may wait
    explain_slot = asyncio.Semaphore(1)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await batcher.start()
        await searches.start()
        state["ready"] = True
        yield
        state["ready"] = False  # /health says 503 while in-flight requests finish
        await searches.stop()
        await batcher.stop()

    app = FastAPI(
        title="contrastkit",
        description="Embeddings and search over a contrastkit export.",
        lifespan=lifespan,
    )

    app.add_middleware(BodyLimit, max_bytes=limits.max_body_bytes)
    app.add_middleware(Edges, token=token, open_paths=OPEN_PATHS, observe=metrics.observe)

    @app.exception_handler(ClientError)
    async def client_error(request: Request, e: ClientError) -> JSONResponse:
        return error_response(e.status, e.message, e.param)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, e: RequestValidationError) -> JSONResponse:
        first = e.errors()[0] if e.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or None
        return error_response(422, f"invalid request: {where or 'body'}: {first.get('msg')}", where)

    async def embed(values: list[str | bytes], param: str) -> torch.Tensor:
        if not values:
            raise ClientError(422, f"{param} is empty; send at least one input", param)
        if len(values) > limits.max_inputs:
            raise ClientError(
                422, f"{len(values)} inputs; the limit is {limits.max_inputs} a request", param
            )
        for v in values:
            if isinstance(v, str) and len(v) > limits.max_text_chars:
                raise ClientError(
                    422,
                    f"a text of {len(v):,} characters; the limit is {limits.max_text_chars:,}",
                    param,
                )
        if not isinstance(encoder, ParsesInputs):
            raise ClientError(422, "this encoder takes no request inputs", param)
        try:
            items = [encoder.parse(v, max_pixels=limits.max_pixels) for v in values]
            vectors: torch.Tensor = await batcher.submit(items)
            return vectors
        except InputError as e:
            raise ClientError(413 if e.too_large else 422, str(e), param) from None
        except Overloaded as e:
            raise ClientError(429, f"overloaded: {e}; retry shortly", param) from None

    @app.get("/health")
    async def health() -> JSONResponse:
        if not state["ready"]:
            return error_response(503, "starting or shutting down")
        return JSONResponse({"status": "ok"})

    @app.get("/info")
    async def info() -> dict[str, Any]:
        index = None
        if searcher is not None:
            c = searcher.card
            index = {"count": len(searcher.index), "kind": c.kind, "metric": c.metric, "dim": c.dim}
            index["source"] = c.extra.get("source")
            index["previews"] = searcher.corpus is not None
        return {
            "model": model_name,
            "dim": encoder.dim,
            "inputs": encoder.inputs,
            "accepts": list(encoder.request_inputs) if isinstance(encoder, ParsesInputs) else [],
            "index": index,
            "limits": limits.__dict__,
        }

    @app.post("/v1/embeddings")
    async def embeddings(body: EmbeddingsRequest) -> Response:
        values = [body.input] if isinstance(body.input, str) else body.input
        vectors = (await embed(list(values), "input")).float().numpy()
        data = [
            {
                "object": "embedding",
                "index": i,
                "embedding": _encode_vector(v, body.encoding_format),
            }
            for i, v in enumerate(vectors)
        ]
        used = sum(encoder.cost(v) for v in values) if isinstance(encoder, Costs) else len(values)
        usage = {"prompt_tokens": used, "total_tokens": used}
        return _json(
            {"object": "list", "data": data, "model": body.model or model_name, "usage": usage}
        )

    @app.post("/embed")
    async def embed_route(body: EmbedRequest) -> Response:
        if body.inputs and body.images:
            raise ClientError(422, "send inputs (texts) or images, not both")
        values: list[str | bytes] = list(body.inputs) or [_b64(i, "images") for i in body.images]
        vectors = await embed(values, "images" if body.images else "inputs")
        return _json({"embeddings": vectors.float().numpy(), "dim": encoder.dim})

    @app.post("/search", openapi_extra=_SEARCH_BODY)
    async def search(request: Request) -> dict[str, Any]:
        if searcher is None:
            raise ClientError(404, "no index is loaded; start the service with --index DIR")
        body = await _search_request(request)
        if not 1 <= body.k <= limits.max_top_k:
            raise ClientError(422, f"k must be in 1..{limits.max_top_k}, got {body.k}", "k")
        given = [v for v in (body.query, body.image, body.id) if v is not None]
        if len(given) != 1:
            raise ClientError(422, "send exactly one of query (text), image (file) or id")
        if body.id is not None:
            try:
                query = searcher.index.vectors_of([body.id])
            except KeyError:
                raise ClientError(404, f"no item {body.id!r} in the index", "id") from None
            k = body.k + 1  # the item itself comes first; it is left out
        else:
            value: str | bytes = (
                body.query if body.query is not None else _b64(body.image or "", "image")
            )
            query, k = await embed([value], "query" if body.query is not None else "image"), body.k
        try:
            ((ids, scores),) = await searches.submit([(query[0], k)])
        except Overloaded as e:
            raise ClientError(429, f"overloaded: {e}; retry shortly") from None
        results = [
            {"id": i, "score": s, "preview": searcher.preview(i)}
            for i, s in zip(ids, scores, strict=True)
            if i != body.id
        ][: body.k]
        return {"results": results}

    @app.post("/explain")
    async def explain_route(body: ExplainRequest) -> dict[str, Any]:
        if searcher is None or searcher.corpus is None:
            raise ClientError(404, "explanations need an index whose items are readable here")
        if not (isinstance(encoder, ExplainsParts) and isinstance(encoder, ParsesInputs)):
            raise ClientError(422, "this encoder cannot split its inputs into parts to explain")
        given = [v for v in (body.query, body.image, body.id) if v is not None]
        if len(given) != 1:
            raise ClientError(422, "send exactly one of query (text), image (file) or id")

        def indexed(id: str, param: str) -> Any:
            try:
                return searcher.item(id)
            except KeyError:
                raise ClientError(404, f"no item {id!r} in the index", param) from None

        if body.id is not None:
            query = indexed(body.id, "id")
        else:
            value = body.query if body.query is not None else _b64(body.image or "", "image")
            if isinstance(value, str) and len(value) > limits.max_text_chars:
                raise ClientError(422, f"the query is over {limits.max_text_chars:,} characters")
            try:
                query = encoder.parse(value, max_pixels=limits.max_pixels)
            except InputError as e:
                raise ClientError(413 if e.too_large else 422, str(e), "query") from None
        candidate = indexed(body.candidate, "candidate")
        versus = indexed(body.versus, "versus") if body.versus is not None else None
        if explaining["waiting"] >= limits.max_queued_explanations:
            raise ClientError(429, "overloaded: explanations are queued; retry shortly")
        explaining["waiting"] += 1
        try:
            async with explain_slot:
                why = await asyncio.to_thread(
                    explain, encoder, query, candidate, versus=versus, steps=body.steps,
                    pairwise=body.pairwise,
                )  # fmt: skip
                html = await asyncio.to_thread(fragment, why)
        except ImportError as e:
            raise ClientError(501, str(e)) from None
        finally:
            explaining["waiting"] -= 1
        return {
            "similarity": why.similarity,
            "versus_similarity": why.versus_similarity,
            "top": {side.role: side.top(5) for side in why.sides},
            "seconds": why.seconds,
            "html": html,
        }

    @app.get("/metrics")
    async def prometheus() -> PlainTextResponse:
        vectors = len(searcher.index) if searcher is not None else None
        return PlainTextResponse(
            metrics.render(batcher.stats, vectors), media_type="text/plain; version=0.0.4"
        )

    @app.get("/", response_class=HTMLResponse)
    async def page() -> HTMLResponse:
        return HTMLResponse(resources.files("contrastkit.serve").joinpath("page.html").read_text())

    return app


def _search_many(
    searcher: Searcher | None, queries: list[tuple[torch.Tensor, int]]
) -> list[tuple[list[str], list[float]]]:
    """One index search for many (query vector, k) requests; each gets its own k hits."""
    assert searcher is not None
    k = max(k for _, k in queries)
    hits = searcher.index.search(torch.stack([q for q, _ in queries]), k)
    return [
        (ids[:kq], scores[:kq])
        for ids, scores, (_, kq) in zip(hits.ids, hits.scores, queries, strict=True)
    ]


# /search reads its body itself (JSON or a multipart upload); this tells OpenAPI both shapes
_SEARCH_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": SearchRequest.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "image": {"type": "string", "format": "binary"},
                        "k": {"type": "integer", "default": 10},
                    },
                    "required": ["image"],
                }
            },
        },
    }
}


async def _search_request(request: Request) -> SearchRequest:
    """A search from JSON, or from a multipart form with an ``image`` file and ``k``."""
    kind = request.headers.get("content-type", "")
    if kind.startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("image")
        if upload is None or isinstance(upload, str):
            raise ClientError(422, "the form needs an image file field named image", "image")
        data = await upload.read()
        try:
            k = int(str(form.get("k", 10)))
        except ValueError:
            raise ClientError(422, "k must be an integer", "k") from None
        return SearchRequest(image=base64.b64encode(data).decode(), k=k)
    try:
        return SearchRequest.model_validate(await request.json())
    except ValueError as e:
        raise ClientError(422, f"invalid search request: {str(e).splitlines()[0]}") from None


def _b64(value: str, param: str) -> bytes:
    data = value.split(",", 1)[1] if value.startswith("data:") else value  # data URIs too
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise ClientError(422, f"{param} must be base64-encoded files", param) from None


def _encode_vector(vector: np.ndarray, fmt: str) -> np.ndarray | str:
    if fmt == "base64":  # little-endian float32, as OpenAI's API sends it
        return base64.b64encode(vector.astype("<f4").tobytes()).decode()
    return vector


def _json(body: dict[str, Any]) -> Response:
    """orjson straight from numpy rows: no per-float Python object on the way out."""
    return Response(
        orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY), media_type="application/json"
    )
