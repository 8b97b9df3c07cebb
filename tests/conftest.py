"""Suite-wide settings: offline model hubs, an isolated data dir per test, no real network."""
from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
# Never pick up a developer's key or config in tests.
os.environ.pop("NEWSAPI_KEY", None)
os.environ.pop("FINQA_CONFIG", None)

import pytest  # noqa: E402

# The tiny models and the fake OpenAI server, built once per session for every module.
pytest_plugins = ["tests.fixtures_tinyllama", "tests.fakes_openai"]


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A fresh data dir made current for ``get_settings()``; settings reset afterwards."""
    import ingest.config as config

    d = tmp_path / "finqa-data"
    monkeypatch.setenv("FINQA_DATA_DIR", str(d))
    settings = config.configure(data_dir=d)
    yield settings
    config._current = None


@pytest.fixture
def one_torch_thread():
    """One torch thread for training tests: steadier timings on 2 shared cores, restored after."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
