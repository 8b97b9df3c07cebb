"""Chroma: one client per process (embedded or server) and the collections finqa keeps in it.

Why the checks here: a Chroma directory outlives the configuration that built it. Vectors from
two embedding models are not comparable, so every collection records the model and dimension
it was built with, and opening it under another model is refused with the rebuild command
instead of returning nonsense (or a low-level dimension error) later. A server that is down is
reported with its host and port, the one thing the user has to fix.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ingest.config import Settings
from ingest.errors import FinqaError

log = logging.getLogger(__name__)

NEWS = "news"
WINDOWS = "price_windows"
WINDOWS_TEXT = "price_windows_text"
COLLECTIONS = (NEWS, WINDOWS, WINDOWS_TEXT)
# The "model" of the numeric price-window vectors: not a text model, but versioned the same way
# so that a change of the vector layout is caught like a change of embedding model.
WINDOW_VECTOR_MODEL = "finqa-window-vector"

REBUILD_HINT = "Rebuild it with `finqa index build --rebuild`"

_clients: dict[tuple, Any] = {}
_clients_lock = threading.Lock()
# Bumped whenever a collection may have been created or deleted, so that cached collection
# handles (``index.retrieval``) are reopened after a rebuild in the same process.
_generation = 0


def generation() -> int:
    return _generation


def _bump() -> None:
    global _generation
    _generation += 1


def location(settings: Settings) -> str:
    """Where the index lives, in words, for error messages."""
    if settings.chroma_host:
        return f"the Chroma server at {settings.chroma_host}:{settings.chroma_port}"
    return f"the Chroma directory {settings.chroma_dir}"


def _key(settings: Settings) -> tuple:
    if settings.chroma_host:
        return ("http", settings.chroma_host, int(settings.chroma_port))
    return ("path", str(Path(settings.chroma_dir).resolve()))


def _server_down(settings: Settings, exc: BaseException) -> FinqaError:
    return FinqaError(
        f"Cannot reach the Chroma server at {settings.chroma_host}:{settings.chroma_port} "
        f"({exc.__class__.__name__}: {exc}). Start it (`chroma run --path DIR --host {settings.chroma_host} "
        f"--port {settings.chroma_port}`) or drop --chroma-host to use the embedded store."
    )


def get_client(settings: Settings) -> Any:
    """The Chroma client for these settings, created once per process.

    ``chromadb.PersistentClient(settings.chroma_dir)`` by default; ``chromadb.HttpClient`` when
    ``settings.chroma_host`` is set (the server is pinged first so that a dead server fails here,
    with its address, not deep inside a query).
    """
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    key = _key(settings)
    with _clients_lock:
        client = _clients.get(key)
        if client is not None:
            return client
        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        if settings.chroma_host:
            try:
                client = chromadb.HttpClient(host=settings.chroma_host, port=int(settings.chroma_port),
                                             settings=chroma_settings)
                client.heartbeat()
            except Exception as exc:
                raise _server_down(settings, exc) from exc
        else:
            Path(settings.chroma_dir).mkdir(parents=True, exist_ok=True)
            client = chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)
        _clients[key] = client
        log.debug("opened %s", location(settings))
        return client


def reset_clients() -> None:
    """Forget cached clients (tests and ``--rebuild`` of a deleted directory)."""
    with _clients_lock:
        _clients.clear()
    try:
        from chromadb.api.client import SharedSystemClient

        SharedSystemClient.clear_system_cache()
    except Exception:  # pragma: no cover - private API moved
        pass


@contextmanager
def chroma_errors(settings: Settings) -> Iterator[None]:
    """Turn Chroma's low-level failures into messages a user can act on."""
    try:
        yield
    except FinqaError:
        raise
    except Exception as exc:
        text = str(exc)
        if "expecting embedding with dimension" in text:
            raise FinqaError(
                f"{location(settings)} holds vectors of another dimension ({text}): it was built with "
                f"another embedding model. {REBUILD_HINT} (or delete {settings.chroma_dir})."
            ) from exc
        if settings.chroma_host and _is_connection_error(exc):
            raise _server_down(settings, exc) from exc
        raise


def _is_connection_error(exc: BaseException) -> bool:
    names = {c.__name__ for c in type(exc).__mro__}
    if names & {"ConnectError", "ConnectTimeout", "ReadError", "RemoteProtocolError", "ConnectionError",
                "NetworkError", "TransportError"}:
        return True
    return "Could not connect" in str(exc)


def _mismatch(settings: Settings, name: str, built_model: Any, built_dim: Any, model: str, dim: int) -> FinqaError:
    target = f"delete {settings.chroma_dir}" if not settings.chroma_host else f"delete the collection {name!r} on the server"
    return FinqaError(
        f"The {name!r} collection in {location(settings)} was built with embedding model {built_model!r} "
        f"(dimension {built_dim}), but the configured model is {model!r} (dimension {dim}): their vectors "
        f"cannot be compared. {REBUILD_HINT} (or {target}), or set the embedding model back to {built_model!r}."
    )


def check_collection(settings: Settings, collection: Any, model: str, dim: int) -> None:
    """Refuse a collection built by another model or with another vector dimension."""
    meta = collection.metadata or {}
    built_model, built_dim = meta.get("embedding_model"), meta.get("embedding_dim")
    if built_dim is None and collection.count() > 0:
        # A collection made by something else: read one vector to learn its dimension.
        got = collection.peek(1)
        embs = got.get("embeddings")
        if embs is not None and len(embs):
            built_dim = len(embs[0])
    if (built_dim is not None and int(built_dim) != int(dim)) or (built_model is not None and built_model != model):
        raise _mismatch(settings, collection.name, built_model, built_dim, model, dim)


def open_collection(settings: Settings, name: str, *, model: str, dim: int, create: bool = True) -> Any | None:
    """Get (or create) a cosine collection recording ``model`` and ``dim``; checked for mismatch.

    With ``create=False`` a missing collection returns ``None`` (nothing indexed yet).
    """
    client = get_client(settings)
    with chroma_errors(settings):
        if create:
            _bump()
            collection = client.get_or_create_collection(
                name,
                metadata={"hnsw:space": "cosine", "embedding_model": model, "embedding_dim": int(dim)},
                embedding_function=None,
            )
        else:
            collection = find_collection(settings, name)
            if collection is None:
                return None
        check_collection(settings, collection, model, dim)
    return collection


def find_collection(settings: Settings, name: str) -> Any | None:
    """An existing collection, or ``None``; never creates one."""
    client = get_client(settings)
    with chroma_errors(settings):
        try:
            return client.get_collection(name, embedding_function=None)
        except Exception as exc:
            if exc.__class__.__name__ in {"NotFoundError", "InvalidCollectionException"} or "does not exist" in str(exc):
                return None
            raise


def collection_count(settings: Settings, name: str) -> int:
    collection = find_collection(settings, name)
    if collection is None:
        return 0
    with chroma_errors(settings):
        return int(collection.count())


def drop_collection(settings: Settings, name: str) -> bool:
    """Delete a collection (``--rebuild``); returns whether it existed."""
    client = get_client(settings)
    if find_collection(settings, name) is None:
        return False
    with chroma_errors(settings):
        client.delete_collection(name)
    _bump()
    log.info("deleted collection %s in %s", name, location(settings))
    return True


def existing_ids(settings: Settings, collection: Any, ids: list[str], batch: int = 2000) -> set[str]:
    """Which of ``ids`` the collection already holds (only new ids get embedded)."""
    found: set[str] = set()
    with chroma_errors(settings):
        for start in range(0, len(ids), batch):
            got = collection.get(ids=ids[start:start + batch], include=[])
            found.update(got["ids"])
    return found


def all_ids(settings: Settings, collection: Any, page: int = 5000) -> set[str]:
    """Every id in the collection, read in pages (to find chunks that no longer exist)."""
    found: set[str] = set()
    with chroma_errors(settings):
        offset = 0
        while True:
            got = collection.get(include=[], limit=page, offset=offset)
            found.update(got["ids"])
            if len(got["ids"]) < page:
                return found
            offset += page


def delete_ids(settings: Settings, collection: Any, ids: list[str], batch: int = 2000) -> None:
    """Remove ``ids`` from the collection, in batches."""
    with chroma_errors(settings):
        for start in range(0, len(ids), batch):
            collection.delete(ids=ids[start:start + batch])


def add_raw(settings: Settings, collection: Any, ids: list[str], embeddings: list[list[float]],
            metadatas: list[dict[str, Any]], documents: list[str]) -> None:
    """Plain ``collection.add`` with flat metadata.

    Used for price windows: LlamaIndex's node serialisation (a JSON copy of every node in its
    metadata) makes writing 100k windows about three times slower, and ``ChromaVectorStore``
    reads flat rows back as nodes all the same.
    """
    with chroma_errors(settings):
        collection.add(ids=ids, embeddings=embeddings, metadatas=metadatas, documents=documents)
