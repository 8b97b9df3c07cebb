"""``finqa eval router``: how often the router picks the labelled route, company and horizon.

Input: JSONL lines ``{"query", "route", "code", "horizon_days"}`` (``code`` and ``horizon_days``
may be null; ``horizon_days`` is only set for forecasts, as ``finqa route`` prints it). An
optional ``"history": [earlier queries]`` replays a conversation first, so follow-ups ("and
2454?") are scored in the context they need.

Output: ``{"n", "route_accuracy", "code_accuracy", "horizon_accuracy", "exact", "per_route":
{route: {"n", "accuracy"}}, "confusion": {true: {predicted: count}}, "errors": [...]}``.
``horizon_accuracy`` is over the rows labelled forecast (the only ones with a horizon);
``exact`` needs route, code and horizon all right.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from finetune.jsonl import read_jsonl_objects
from ingest.errors import FinqaError

log = logging.getLogger(__name__)

ROUTES = ("forecast", "sentiment", "qa")
MAX_ERRORS = 30


def load_cases(path: str | Path) -> list[dict[str, Any]]:
    """Read and check the labelled queries; a bad line is an error naming the file and line."""
    path = Path(path)
    if not path.is_file():
        raise FinqaError(f"no such file: {path}")
    cases: list[dict[str, Any]] = []
    for lineno, row in read_jsonl_objects(path, "query/route/code/horizon_days", where="{path}:{n}"):
        if not isinstance(row.get("query"), str) or row.get("route") not in ROUTES:
            raise FinqaError(f"{path}:{lineno}: needs a string 'query' and a 'route' in {list(ROUTES)}")
        if row.get("code") is not None:
            row["code"] = str(row["code"])
        hd = row.get("horizon_days")
        if hd is not None and not isinstance(hd, int):
            raise FinqaError(f"{path}:{lineno}: horizon_days must be an integer or null")
        cases.append(row)
    if not cases:
        raise FinqaError(f"{path} holds no queries")
    return cases


def evaluate_router(jsonl_path: str | Path, assistant: Any = None) -> dict[str, Any]:
    """Score the router on a JSONL file (see the module docstring)."""
    from assistant.slots import ChatSession

    if assistant is None:
        from assistant.service import get_assistant

        assistant = get_assistant()
    cases = load_cases(jsonl_path)
    confusion = {t: {p: 0 for p in ROUTES} for t in ROUTES}
    route_ok = code_ok = exact = 0
    horizon_n = horizon_ok = 0
    errors: list[dict[str, Any]] = []
    for case in cases:
        session = None
        if case.get("history"):
            session = ChatSession()
            for earlier in case["history"]:
                r = assistant.route(earlier, session=session)
                session.remember(r["route"], r["code"], r["horizon_days"], user=earlier)
        got = assistant.route(case["query"], session=session)
        confusion[case["route"]][got["route"]] += 1
        r_ok = got["route"] == case["route"]
        c_ok = got["code"] == case.get("code")
        h_ok = got["horizon_days"] == case.get("horizon_days")
        route_ok += r_ok
        code_ok += c_ok
        if case["route"] == "forecast":
            horizon_n += 1
            horizon_ok += h_ok
        if r_ok and c_ok and h_ok:
            exact += 1
        elif len(errors) < MAX_ERRORS:
            errors.append({"query": case["query"], "expected": {k: case.get(k) for k in ("route", "code", "horizon_days")},
                           "got": {k: got[k] for k in ("route", "code", "horizon_days")}})
    n = len(cases)
    per_route = {}
    for t in ROUTES:
        total = sum(confusion[t].values())
        per_route[t] = {"n": total, "accuracy": round(confusion[t][t] / total, 4) if total else None}
    return {
        "n": n,
        "route_accuracy": round(route_ok / n, 4),
        "code_accuracy": round(code_ok / n, 4),
        "horizon_accuracy": round(horizon_ok / horizon_n, 4) if horizon_n else None,
        "exact": round(exact / n, 4),
        "per_route": per_route,
        "confusion": confusion,
        "errors": errors,
    }
