"""The embedding and search service (FastAPI + uvicorn) and its page; imports no training code."""
