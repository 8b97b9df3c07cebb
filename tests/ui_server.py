"""Start the real Gradio app on loopback for a test, with the real Assistant (CPU tiers).

Shared by the browser test (``test_ui.py``) and the API test (``test_ui_api.py``).
"""
from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve_ui(settings: Any, assistant: Any = None) -> Iterator[tuple[str, Any]]:
    """Build and launch the app for ``settings`` on a free loopback port; yields (url, app)."""
    import ui
    from assistant.service import Assistant

    assistant = assistant or Assistant(settings)
    app = ui.build_app(assistant, settings)
    url = ui.launch_app(app, host="127.0.0.1", port=free_port())
    try:
        yield url, app
    finally:
        app.close()
