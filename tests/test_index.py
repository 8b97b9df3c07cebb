"""Index layer: news and price windows in real Chroma, embedded and behind a real `chroma run` server.

Every behavioural test runs twice (``mode`` = embedded PersistentClient, server HttpClient
against ``chroma run --path TMP --host 127.0.0.1 --port P`` started here), with the real packaged
MiniLM embedder. The no-lookahead rule is proven with planted future items dated D and D+1 that
are the best matches for the query and must never come back as of D.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import ingest.config as config
from ingest.errors import FinqaError
from ingest.store import Store
from ingest.types import Article, Candidate, PriceBar

D = date(2024, 3, 15)  # the as-of day of the point-in-time tests
# D 00:00 in Taipei is 2024-03-14 16:00 UTC.
D_START_UTC = datetime(2024, 3, 14, 16, 0, tzinfo=timezone.utc)
QUERY = "TSMC advanced packaging capacity expansion"


# --- a real Chroma server --------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(root: Path) -> tuple[subprocess.Popen, int]:
    """Start ``chroma run`` on a free loopback port and wait until its heartbeat answers."""
    exe = shutil.which("chroma")
    if exe is None:
        pytest.fail("the `chroma` CLI (installed with chromadb) is not on PATH")
    port = _free_port()
    log = open(root / "server.log", "wb")
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    proc = subprocess.Popen([exe, "run", "--path", str(root / "db"), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, env=env)
    log.close()
    url = f"http://127.0.0.1:{port}/api/v2/heartbeat"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:
                if resp.status == 200:
                    return proc, port
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"chroma run did not come up: {(root / 'server.log').read_text(errors='replace')[-2000:]}")
        time.sleep(0.2)


def _stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """``chroma run`` on 127.0.0.1 for the whole session; torn down afterwards."""
    proc, port = _start_server(tmp_path_factory.mktemp("chroma-server"))
    yield ("127.0.0.1", port)
    _stop_server(proc)


@dataclass
class Env:
    mode: str
    settings: Any
    store: Store
    cli_args: list[str]


def _wipe_server(host: str, port: int) -> None:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.HttpClient(host=host, port=port, settings=ChromaSettings(anonymized_telemetry=False))
    for col in client.list_collections():
        client.delete_collection(col.name if hasattr(col, "name") else col)


@pytest.fixture(params=["embedded", "server"])
def env(request, tmp_path, monkeypatch):
    """Fresh store + index settings in one mode; caches reset around the test."""
    from index import retrieval

    data_dir = tmp_path / "finqa-data"
    monkeypatch.setenv("FINQA_DATA_DIR", str(data_dir))
    cli_args = ["--data-dir", str(data_dir)]
    overrides: dict[str, Any] = {"data_dir": data_dir}
    if request.param == "server":
        host, port = request.getfixturevalue("chroma_server")
        _wipe_server(host, port)
        overrides.update(chroma_host=host, chroma_port=port)
        cli_args += ["--chroma-host", host, "--chroma-port", str(port)]
    retrieval.reset()
    settings = config.configure(**overrides)
    store = Store(settings.store_path)
    yield Env(request.param, settings, store, cli_args)
    store.close()
    retrieval.reset()
    config._current = None


# --- tiny data -------------------------------------------------------------------------------
def _article(url: str, title: str, when: datetime, code: str | None, body: str, lang: str = "en") -> Article:
    return Article(url=url, title=title, published_at=when, code=code, content=body, source="Fixture Wire",
                   language=lang, description=None)


PAST = "https://news.example/tsmc-past"
EDGE_IN = "https://news.example/tsmc-2359"       # D-1 23:59 Taipei: visible as of D
FUTURE_D = "https://news.example/tsmc-on-D"      # D 00:00 Taipei: hidden as of D
FUTURE_D1 = "https://news.example/tsmc-D-plus-1"  # D+1: hidden as of D
MTK = "https://news.example/mediatek-zh"


def articles() -> list[Article]:
    body = "TSMC will expand advanced packaging capacity (CoWoS) in Taiwan to meet AI chip demand."
    return [
        _article(PAST, "TSMC expands advanced packaging", datetime(2024, 3, 10, 2, tzinfo=timezone.utc), "2330", body),
        _article(EDGE_IN, "TSMC packaging capacity late news", D_START_UTC - timedelta(minutes=1), "2330", body),
        _article(FUTURE_D, "TSMC advanced packaging capacity expansion confirmed", D_START_UTC, "2330",
                 body + " " + QUERY),
        _article(FUTURE_D1, "TSMC advanced packaging capacity expansion doubles", D_START_UTC + timedelta(days=1, minutes=30),
                 "2330", body + " " + QUERY),
        _article(MTK, "聯發科推出新款手機晶片", datetime(2024, 3, 12, 1, tzinfo=timezone.utc), "2454",
                 "聯發科今天發表天璣系列新晶片，強調人工智慧效能。", lang="zh"),
    ]


def _cand(code: str, as_of: date, vector, *, indicator: str = "adjusted_close", movement: str | None = "rise",
          values=(1.0, 2.0, 3.0, 4.0, 5.0), next_return: float | None = 0.8) -> Candidate:
    dates = tuple(as_of - timedelta(days=i) for i in range(6, 1, -1))
    return Candidate(code=code, as_of=as_of, indicator=indicator, dates=dates, values=tuple(values),
                     movement=movement, next_return=next_return, vector=tuple(float(x) for x in vector))


Q = np.array([1.0, 0.5, -0.2, 0.3, 0.0, 0.1, -0.4, 0.2])


def candidates() -> list[Candidate]:
    near = Q + 0.05
    return [
        _cand("2330", D - timedelta(days=1), Q),                 # visible, identical vector
        _cand("2330", D - timedelta(days=10), near, movement="fall", values=(5, 4, 3, 2, 1), next_return=-1.2),
        _cand("2330", D, Q),                                     # planted: label day D, hidden
        _cand("2330", D + timedelta(days=1), Q),                 # planted: D+1, hidden
        _cand("2454", D - timedelta(days=3), near, values=(1, 2, 3, 5, 4)),
        _cand("2454", D - timedelta(days=3), near, indicator="close"),
        _cand("2330", D - timedelta(days=2), Q, movement=None, next_return=None),  # unlabelled: not indexed
    ]


# --- point-in-time rule (pure) ---------------------------------------------------------------
def test_cutoff_is_taipei_midnight_and_filters_translate_to_chroma_where():
    from index.retrieval import chroma_where, cutoff_timestamp, metadata_filters

    assert cutoff_timestamp(D) == int(D_START_UTC.timestamp())
    assert cutoff_timestamp(datetime(2024, 3, 15, 0, 0)) == int(D_START_UTC.timestamp())  # naive = Taipei
    assert cutoff_timestamp(D_START_UTC) == int(D_START_UTC.timestamp())
    assert cutoff_timestamp(None) is None
    where = chroma_where(metadata_filters(time_key="as_of", before=D, codes=["2330", "2454"], exclude_codes=["2317"],
                                          indicator="close"))
    assert where == {"$and": [
        {"code": {"$in": ["2330", "2454"]}},
        {"code": {"$ne": "2317"}},
        {"indicator": {"$eq": "close"}},
        {"as_of": {"$lt": int(D_START_UTC.timestamp())}},
    ]}
    assert chroma_where(metadata_filters(time_key="published_at")) is None
    # A lower bound (news around a day asked about) is a >= on the same Taipei-midnight scale.
    assert chroma_where(metadata_filters(time_key="published_at", before=D, after=date(2024, 3, 10))) == {"$and": [
        {"published_at": {"$lt": int(D_START_UTC.timestamp())}},
        {"published_at": {"$gte": int(D_START_UTC.timestamp()) - 5 * 86400}},
    ]}


def test_dtw_prefers_the_same_shape():
    from index.retrieval import dtw_distances

    q = [1, 2, 3, 4, 5]
    d = dtw_distances(q, [[10, 20, 30, 40, 50], [5, 4, 3, 2, 1], [1, 3, 2, 4, 5], [1, 2, 3]])
    assert d[0] == pytest.approx(0.0, abs=1e-9)  # same shape at another level and scale
    assert d[0] < d[2] < d[1]
    assert np.isinf(d[3])  # another length is not comparable


def test_prefixes_by_model_family_and_llama_adapter(env):
    from index.embeddings import default_prefixes, get_embedder, load_embedder

    assert default_prefixes("intfloat/multilingual-e5-small") == ("query: ", "passage: ")
    assert default_prefixes("BAAI/bge-m3") == ("", "")
    assert default_prefixes("all-MiniLM-L6-v2") == ("", "")
    emb = get_embedder(env.settings)
    assert get_embedder(env.settings) is emb  # cached per process
    assert emb.dim == 384
    llama = emb.as_llama()
    assert np.allclose(llama.get_query_embedding("台積電 capex"), emb.embed_query("台積電 capex"), atol=1e-6)
    prefixed = load_embedder(env.settings.embedding_model, query_prefix="query: ")
    assert prefixed.model is emb.model  # same weights, not loaded twice
    assert not np.allclose(prefixed.embed_query("TSMC"), emb.embed_query("TSMC"))


# --- news --------------------------------------------------------------------------------------
def test_news_point_in_time_codes_and_language(env):
    from index.news_index import build_news
    from index.retrieval import get_retrieval

    env.store.upsert_articles(articles())
    report = build_news(env.store, env.settings, progress=False)
    assert report["articles"] == 5 and report["added"] == report["chunks"] >= 5

    r = get_retrieval(env.settings)
    assert get_retrieval(env.settings) is r
    # Without a cut the planted future articles are the best matches: they exist and are found.
    urls_all = [h.url for h in r.news(QUERY, codes=["2330"], k=10)]
    assert set(urls_all) == {PAST, EDGE_IN, FUTURE_D, FUTURE_D1}
    assert urls_all[0] in {FUTURE_D, FUTURE_D1}
    # As of D: strictly before D 00:00 Taipei — the 23:59 article is in, D and D+1 are out.
    for before in (D, datetime(2024, 3, 15, 0, 0), D_START_UTC):
        hits = r.news(QUERY, codes=["2330"], before=before, k=10)
        assert {h.url for h in hits} == {PAST, EDGE_IN}
    hits = r.news(QUERY, before=D, k=10)  # no code filter: still nothing dated D or later
    assert FUTURE_D not in {h.url for h in hits} and FUTURE_D1 not in {h.url for h in hits}
    assert all(h.date < D.isoformat() for h in hits)
    edge = next(h for h in hits if h.url == EDGE_IN)
    assert edge.date == "2024-03-14" and edge.code == "2330" and edge.language == "en"
    assert edge.published_at == D_START_UTC - timedelta(minutes=1)
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True) and all(-1.0 <= s <= 1.0001 for s in scores)

    zh = r.news("聯發科 晶片", language="zh", k=5)
    assert [h.url for h in zh] == [MTK] and zh[0].title == "聯發科推出新款手機晶片"
    both = r.news("chips", codes=["2330", "2454"], before=D, k=10)
    assert {h.code for h in both} == {"2330", "2454"}
    assert r.news(QUERY, codes=["2317"]) == []          # a code with nothing indexed
    assert r.news(QUERY, before=date(2020, 1, 1)) == []  # as-of before all data
    # ``after`` keeps what was published on or after it, and the as-of cut still holds.
    late = r.news(QUERY, codes=["2330"], after=date(2024, 3, 14), before=D, k=10)
    assert [h.url for h in late] == [EDGE_IN]
    assert {h.url for h in r.news(QUERY, codes=["2330"], after=D, k=10)} == {FUTURE_D, FUTURE_D1}


def test_keyword_news_finds_rare_words_verbatim_point_in_time(env):
    """The second way in: chunks holding a rare term verbatim, whatever their cosine, under the
    same as-of cut; a term in too many chunks is ignored."""
    from index.news_index import build_news
    from index.retrieval import get_retrieval

    env.store.upsert_articles(articles() + [
        _article("https://news.example/zh-late", "聯發科天璣晶片熱賣", D_START_UTC + timedelta(hours=2), "2454",
                 "聯發科天璣晶片熱賣，出貨創新高。", lang="zh"),
    ])
    build_news(env.store, env.settings, progress=False)
    r = get_retrieval(env.settings)
    hits = r.keyword_news("天璣", ["天璣"], before=D)
    assert [h.url for h in hits] == [MTK]  # the D+2h article also says 天璣 but is after the cut
    assert {h.url for h in r.keyword_news("天璣", ["天璣"])} == {MTK, "https://news.example/zh-late"}
    assert [h.url for h in r.keyword_news("天璣", ["天璣"], codes=["2330"])] == []
    # "CoWoS" is in all four TSMC articles: with max_df=3 it is too common to say anything.
    assert r.keyword_news("CoWoS", ["CoWoS"], max_df=3) == []
    assert len(r.keyword_news("CoWoS", ["CoWoS"], before=D)) == 2
    assert r.keyword_news("x", []) == [] and r.keyword_news("CoWoS", ["cowos"]) == []  # $contains is case-sensitive


def test_latest_news_is_newest_first_point_in_time_and_filtered_by_about(env):
    from index.news_index import build_news
    from index.retrieval import get_retrieval

    env.store.upsert_articles(articles())
    build_news(env.store, env.settings, progress=False)
    r = get_retrieval(env.settings)
    assert [h.url for h in r.latest_news(QUERY, codes=["2330"], k=10)] == [FUTURE_D1, FUTURE_D, EDGE_IN, PAST]
    for before in (D, D_START_UTC):  # strictly before D 00:00 Taipei, whatever the recency
        hits = r.latest_news(QUERY, codes=["2330"], before=before, k=10)
        assert [h.url for h in hits] == [EDGE_IN, PAST]
    top = r.latest_news(QUERY, codes=["2330"], before=D, k=1)
    assert [h.url for h in top] == [EDGE_IN] and top[0].date == "2024-03-14"
    # The score is the real cosine to the query, from the stored vector.
    same = {h.url: h.score for h in r.news(QUERY, codes=["2330"], before=D, k=10)}
    assert abs(top[0].score - same[EDGE_IN]) < 1e-4
    # ``about`` keeps only articles that pass; none passing returns the newest all the same.
    late = r.latest_news(QUERY, codes=["2330"], before=D, k=10, about=lambda text: "late news" in text)
    assert [h.url for h in late] == [EDGE_IN]
    assert [h.url for h in r.latest_news(QUERY, codes=["2330"], before=D, about=lambda text: False)] == [EDGE_IN, PAST]
    assert r.latest_news(QUERY, codes=["2317"]) == []


def test_news_bad_input(env):
    from index.news_index import build_news
    from index.retrieval import get_retrieval

    r = get_retrieval(env.settings)
    assert r.news(QUERY) == []  # nothing indexed yet: empty, not an error
    env.store.upsert_articles(articles()[:1])
    build_news(env.store, env.settings, progress=False)
    for empty in ("", "   \n"):
        with pytest.raises(FinqaError, match="Empty query"):
            r.news(empty)
    with pytest.raises(FinqaError, match="k must be"):
        r.news(QUERY, k=0)


def test_news_build_is_idempotent_and_incremental(env):
    from index.embeddings import get_embedder
    from index.news_index import build_news

    emb = get_embedder(env.settings)
    env.store.upsert_articles(articles()[:4])
    first = build_news(env.store, env.settings, progress=False)
    calls, texts = emb.calls, emb.texts_embedded
    second = build_news(env.store, env.settings, progress=False)
    assert second["added"] == 0 and second["existing"] == first["chunks"]
    assert (emb.calls, emb.texts_embedded) == (calls, texts)  # nothing embedded again
    env.store.upsert_articles(articles()[4:])
    third = build_news(env.store, env.settings, progress=False)
    assert third["added"] == third["chunks"] - first["chunks"] >= 1
    assert emb.texts_embedded - texts == third["added"]  # only the new article's chunks
    from index.retrieval import get_retrieval

    assert get_retrieval(env.settings).stats()["news"] == third["chunks"]


def test_news_rebuild_replaces_chunks_whose_text_changed(env):
    """A new chunk size re-chunks every article: the old chunks go, none is left beside the new."""
    from index.news_index import build_news
    from index.retrieval import get_retrieval

    env.store.upsert_articles(articles())
    first = build_news(env.store, env.settings, progress=False)
    assert first["removed"] == 0
    settings = config.configure(**{**env.settings.model_dump(), "chunk_size": 32, "chunk_overlap": 0})
    second = build_news(env.store, settings, progress=False)
    assert second["chunks"] > first["chunks"]  # the long article now spans several chunks
    assert second["removed"] >= 1 and second["added"] >= 1
    assert second["existing"] + second["added"] == second["chunks"]
    retrieval = get_retrieval(settings)
    assert retrieval.stats()["news"] == second["chunks"]
    third = build_news(env.store, settings, progress=False)
    assert (third["added"], third["removed"]) == (0, 0)


# --- price windows ---------------------------------------------------------------------------
def test_windows_point_in_time_filters_and_dtw(env):
    from index.retrieval import get_retrieval
    from index.windows_index import build_windows

    report = build_windows(env.store, env.settings, progress=False, candidates=candidates())
    assert report == {"candidates": 7, "skipped": 1, "added": 6, "existing": 0}
    assert build_windows(env.store, env.settings, progress=False, candidates=candidates())["added"] == 0

    r = get_retrieval(env.settings)
    for backend in ("memory", "llamaindex", "chroma"):
        everything = r.windows(Q, k=10, backend=backend)
        assert {h.date for h in everything} >= {D.isoformat(), (D + timedelta(days=1)).isoformat()}
        hits = r.windows(Q, before=D, k=10, backend=backend)
        assert {h.id for h in hits} == {"2330|2024-03-14|adjusted_close", "2330|2024-03-05|adjusted_close",
                                        "2454|2024-03-12|adjusted_close", "2454|2024-03-12|close"}, backend
        assert all(h.as_of < D for h in hits)
        top = hits[0]
        assert top.id == "2330|2024-03-14|adjusted_close" and top.score == pytest.approx(1.0, abs=1e-4)
        assert top.movement == "rise" and top.next_return == pytest.approx(0.8)
        assert top.candidate == candidates()[0].to_finseer_dict() and top.text == str(top.candidate)
        assert top.values == [1.0, 2.0, 3.0, 4.0, 5.0]
        assert [h.id for h in hits] == [h.id for h in r.windows(Q, before=D, k=10)]  # same order as memory
        assert [h.score for h in hits] == pytest.approx([h.score for h in r.windows(Q, before=D, k=10)], abs=1e-4)

        assert {h.code for h in r.windows(Q, before=D, exclude_codes=["2330"], k=10, backend=backend)} == {"2454"}
        assert {h.code for h in r.windows(Q, before=D, exclude_codes=["2330", "2454"], k=10, backend=backend)} == set()
        assert {h.code for h in r.windows(Q, before=D, codes=["2454"], k=10, backend=backend)} == {"2454"}
        assert {h.code for h in r.windows(Q, codes=["2454", "2330"], k=10, backend=backend)} == {"2454", "2330"}
        assert [h.indicator for h in r.windows(Q, before=D, indicator="close", k=10, backend=backend)] == ["close"]
        assert r.windows(Q, before=D - timedelta(days=30), backend=backend) == []  # as-of before all data
        assert r.windows(Q, codes=["2317"], backend=backend) == []                  # nothing indexed for that code
    with pytest.raises(FinqaError, match="backend"):
        r.windows(Q, backend="faiss")
    # An incremental build is seen by the in-memory copy at the next query.
    extra = _cand("2317", D - timedelta(days=4), Q)
    assert build_windows(env.store, env.settings, progress=False, candidates=candidates() + [extra])["added"] == 1
    assert [h.id for h in r.windows(Q, codes=["2317"], before=D)] == [extra.id]

    # DTW: the falling window is closest to a falling query even though its vector is not.
    reranked = r.windows(Q, before=D, k=2, rerank="dtw", query_values=[9, 8, 7, 6, 5], indicator="adjusted_close")
    assert reranked[0].id == "2330|2024-03-05|adjusted_close" and reranked[0].dtw == pytest.approx(0.0, abs=1e-9)
    assert reranked[0].dtw <= reranked[1].dtw
    with pytest.raises(FinqaError, match="query_values"):
        r.windows(Q, rerank="dtw")
    with pytest.raises(FinqaError, match="no usable numbers"):
        r.windows([float("nan")] * 8)


def test_window_text_collection_is_point_in_time(env):
    from index.retrieval import get_retrieval
    from index.windows_index import build_windows

    settings = config.configure(**{**env.settings.model_dump(include={"data_dir", "chroma_host", "chroma_port"}),
                                   "window_text_embedding": True})
    report = build_windows(env.store, settings, progress=False, candidates=candidates())
    assert report["text_added"] == 6
    hits = get_retrieval(settings).windows_text(str(candidates()[2].to_finseer_dict()), before=D, k=10)
    assert hits and all(h.as_of < D for h in hits)
    assert len(get_retrieval(settings).windows_text("{'candidate_stock': '2330'}", k=10)) == 6


def _bars(code: str, n: int, seed: int) -> list[PriceBar]:
    rng = np.random.default_rng(seed)
    days = [d.date() for d in __import__("pandas").bdate_range("2024-01-02", periods=n)]
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, n)))
    return [PriceBar(code=code, date=d, open=float(c * 0.995), high=float(c * 1.01), low=float(c * 0.99),
                     close=float(c), volume=float(v)) for d, c, v in zip(days, close, rng.integers(1e3, 1e4, n))]


def test_windows_from_stored_bars_and_cli(env, capsys):
    """The real pipeline: bars → ingest.windows candidates → index → CLI query of the latest window."""
    from assistant.cli import main
    from index.retrieval import get_retrieval
    from ingest.windows import query_sequence

    env.store.upsert_bars(_bars("2330", 40, 1) + _bars("2454", 40, 2))
    env.store.upsert_articles(articles())
    assert main(env.cli_args + ["index", "build", "--json", "--no-progress"]) == 0
    built = json.loads(capsys.readouterr().out)
    assert built["price_windows"]["added"] > 0 and built["news"]["added"] >= 5
    assert main(env.cli_args + ["index", "build", "--json", "--no-progress"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["news"]["added"] == 0 and again["price_windows"]["added"] == 0

    assert main(env.cli_args + ["index", "stats", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats == {"news": built["news"]["chunks"], "price_windows": built["price_windows"]["added"],
                     "embedding_model": "all-MiniLM-L6-v2"}

    as_of = date(2024, 2, 1)
    bars = env.store.all_bars()
    _, vec = query_sequence(bars[bars["code"] == "2330"], "2330", as_of)
    hits = get_retrieval(env.settings).windows(vec, before=as_of, k=20, indicator="adjusted_close")
    assert len(hits) == 20 and all(h.as_of < as_of for h in hits)
    assert main(env.cli_args + ["index", "query", "--collection", "price_windows", "--code", "2330",
                                "--as-of", as_of.isoformat(), "-k", "3", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 3 and all(set(r) == {"id", "score", "code", "date", "text"} for r in rows)
    assert all(r["date"] < as_of.isoformat() for r in rows)
    assert [r["id"] for r in rows] == [h.id for h in hits[:3]]

    assert main(env.cli_args + ["index", "query", QUERY, "--code", "2330", "--as-of", D.isoformat(), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["title"] for r in rows} == {"TSMC expands advanced packaging", "TSMC packaging capacity late news"}
    assert all(set(r) == {"id", "score", "code", "date", "title", "text"} for r in rows)

    # Bad input: clear messages, no traces.
    assert main(env.cli_args + ["index", "query", "TSMC", "--code", "2317", "--json"]) == 1
    out = capsys.readouterr()
    assert json.loads(out.out) == [] and "No news indexed for 2317" in out.err and "finqa ingest news 2317" in out.err
    assert main(env.cli_args + ["index", "query", QUERY, "--as-of", "2020-01-01", "--json"]) == 1
    assert "dated before 2020-01-01" in capsys.readouterr().err
    assert main(env.cli_args + ["index", "query", "  ", "--json"]) == 2
    assert "Empty query" in capsys.readouterr().err
    assert main(env.cli_args + ["index", "query", QUERY, "--as-of", "15/03/2024"]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err
    assert main(env.cli_args + ["index", "query", "--collection", "price_windows", "--code", "2330",
                                "--as-of", "2024-01-03", "--json"]) == 2
    assert "need at least 5 trading days" in capsys.readouterr().err


# --- other models, dead servers --------------------------------------------------------------
def test_dimension_mismatch_says_how_to_rebuild(env, capsys):
    from assistant.cli import main
    from index import chroma as ch
    from index.news_index import build_news
    from index.retrieval import get_retrieval

    # A collection left behind by a 768-dimensional model.
    client = ch.get_client(env.settings)
    col = client.create_collection("news", metadata={"hnsw:space": "cosine", "embedding_model": "BAAI/bge-base-en",
                                                     "embedding_dim": 768}, embedding_function=None)
    col.add(ids=["old"], embeddings=[[0.1] * 768], documents=["old"], metadatas=[{"code": "2330"}])
    env.store.upsert_articles(articles()[:1])
    for action in (lambda: build_news(env.store, env.settings, progress=False),
                   lambda: get_retrieval(env.settings).news(QUERY)):
        with pytest.raises(FinqaError) as err:
            action()
        msg = str(err.value)
        assert "BAAI/bge-base-en" in msg and "768" in msg and "384" in msg and "finqa index build --rebuild" in msg

    # Same story for a collection without finqa's metadata: the stored vectors give it away.
    client.delete_collection("news")
    bare = client.create_collection("news", metadata={"hnsw:space": "cosine"}, embedding_function=None)
    bare.add(ids=["old"], embeddings=[[0.1] * 768], documents=["old"])
    assert main(env.cli_args + ["index", "build", "--collections", "news", "--no-progress"]) == 2
    assert "dimension 768" in capsys.readouterr().err

    assert main(env.cli_args + ["index", "build", "--collections", "news", "--rebuild", "--json", "--no-progress"]) == 0
    assert json.loads(capsys.readouterr().out)["news"]["added"] >= 1
    assert [h.url for h in get_retrieval(env.settings).news(QUERY)] == [PAST]


def test_server_down_names_host_and_port(tmp_path, capsys):
    from assistant.cli import main
    from index import retrieval

    port = _free_port()
    retrieval.reset()
    try:
        settings = config.configure(data_dir=tmp_path / "d", chroma_host="127.0.0.1", chroma_port=port)
        with pytest.raises(FinqaError, match=f"127.0.0.1:{port}"):
            retrieval.get_retrieval(settings).stats()
        assert main(["--data-dir", str(tmp_path / "d"), "--chroma-host", "127.0.0.1", "--chroma-port", str(port),
                     "index", "stats", "--json"]) == 2
        err = capsys.readouterr().err
        assert f"Chroma server at 127.0.0.1:{port}" in err and "Traceback" not in err
    finally:
        retrieval.reset()
        config._current = None


def test_server_that_dies_mid_session(tmp_path):
    """A client whose server went away fails with the server's address, not a raw trace."""
    from index import chroma as ch
    from index import retrieval

    proc, port = _start_server(tmp_path)
    retrieval.reset()
    try:
        settings = config.configure(data_dir=tmp_path / "d", chroma_host="127.0.0.1", chroma_port=port)
        assert ch.collection_count(settings, "news") == 0  # connected
        _stop_server(proc)
        with pytest.raises(FinqaError, match=f"127.0.0.1:{port}"):
            retrieval.get_retrieval(settings).news(QUERY)
    finally:
        _stop_server(proc)
        retrieval.reset()
        config._current = None


def test_small_encoder_loads_without_a_progress_bar_and_restores_it():
    from transformers.utils import logging as hf_logging

    from index.embeddings import no_load_bars

    assert hf_logging.is_progress_bar_enabled()
    with no_load_bars():
        assert not hf_logging.is_progress_bar_enabled()
    assert hf_logging.is_progress_bar_enabled()  # the 8B loads keep theirs
