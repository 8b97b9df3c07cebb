"""Configuration in one place.

Precedence (highest first): explicit keyword arguments (the CLI's global options),
environment variables (``FINQA_*`` plus ``NEWSAPI_KEY``), a ``finqa.toml`` file
(``$FINQA_CONFIG``, else ``./finqa.toml``, else ``<data_dir>/finqa.toml``), then the defaults below.

Secrets are ``SecretStr`` so that a settings object can be logged or printed without leaking keys.
"""
from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

Backend = Literal["transformers", "openai", "cpu"]


class EngineModel(BaseModel):
    """Which model one engine uses and how it is served."""

    base: str
    adapter: str | None = None
    backend: Backend = "transformers"
    # For backend == "openai": an OpenAI-compatible server (vLLM, TGI) and the model name it serves.
    openai_base_url: str | None = None
    openai_model: str | None = None


def _default_qa() -> EngineModel:
    return EngineModel(base="meta-llama/Llama-3.1-8B-Instruct", adapter="TimberGu/Llama_for_Finance")


def _default_forecaster() -> EngineModel:
    return EngineModel(base="TheFinAI/StockLLM")


def _default_sentiment() -> EngineModel:
    return EngineModel(base="oopere/Llama-FinSent-S")


class Settings(BaseSettings):
    """Every knob finqa has. Nested keys use ``__`` in the environment: ``FINQA_QA__BASE=...``."""

    model_config = SettingsConfigDict(
        env_prefix="FINQA_", env_nested_delimiter="__", extra="ignore", populate_by_name=True
    )

    data_dir: Path = Field(default=Path("finqa-data"))
    log_level: str = "INFO"

    # --- ingestion -------------------------------------------------------------------------
    newsapi_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("NEWSAPI_KEY", "FINQA_NEWSAPI_KEY", "newsapi_key")
    )
    newsapi_url: str = "https://newsapi.org/v2"
    newsapi_daily_limit: int = 100
    twse_url: str = "https://www.twse.com.tw"
    tpex_url: str = "https://www.tpex.org.tw"
    # TWSE bans clients that ask faster than about 3 requests per 5 seconds.
    twse_max_requests: int = 3
    twse_period_s: float = 5.0
    twse_retries: int = 4
    http_timeout_s: float = 20.0
    watchlist: list[str] = Field(default_factory=lambda: ["2330", "2454", "2317"])

    # --- index -----------------------------------------------------------------------------
    embedding_model: str = "all-MiniLM-L6-v2"
    embedding_query_prefix: str | None = None
    embedding_passage_prefix: str | None = None
    embedding_batch_size: int = 64
    window_text_embedding: bool = False
    chroma_host: str | None = None
    chroma_port: int = 8000
    # News below this similarity is not used as QA context: a question no article covers gets
    # "nothing indexed covers this", not the least-bad unrelated article.
    qa_min_score: float = 0.3
    chunk_size: int = 512
    chunk_overlap: int = 64

    # --- models ----------------------------------------------------------------------------
    qa: EngineModel = Field(default_factory=_default_qa)
    forecaster: EngineModel = Field(default_factory=_default_forecaster)
    sentiment: EngineModel = Field(default_factory=_default_sentiment)
    # Path-forecast adapter trained by `finqa finetune forecaster --format path`; found in the
    # data dir under adapters/forecaster-path when unset.
    forecaster_path_base: str = "meta-llama/Llama-3.2-1B-Instruct"
    forecaster_path_adapter: str | None = None
    # 4-bit NF4 through bitsandbytes: "auto" = only when CUDA is present.
    load_in_4bit: Literal["auto", "always", "never"] = "auto"
    torch_dtype: str = "auto"
    device_map: str | None = "auto"
    max_new_tokens: int = 512
    # Prompt×option pairs scored per forward pass (rise/fall, sentiment labels).
    score_batch_size: int = 16
    # Hub models (8B-class) are only loaded where CUDA is; on a CPU-only machine the CPU tiers
    # answer instead of a 16 GB download and a model too slow to use. Local paths always load.
    load_models_on_cpu: bool = False
    # Set FINQA_CPU_ONLY=1 to skip every model load and answer with the CPU tiers.
    cpu_only: bool = False

    # --- ui --------------------------------------------------------------------------------
    ui_host: str = "127.0.0.1"
    ui_port: int = 7860
    ui_concurrency: int = 4

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _TomlSource(settings_cls))

    # Derived paths: everything finqa writes lives under data_dir.
    @property
    def store_path(self) -> Path:
        return self.data_dir / "store.sqlite"

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def adapters_dir(self) -> Path:
        return self.data_dir / "adapters"

    @property
    def runs_dir(self) -> Path:
        return self.data_dir / "runs"

    def newsapi_key_value(self) -> str | None:
        return self.newsapi_key.get_secret_value() if self.newsapi_key else None


class _TomlSource(PydanticBaseSettingsSource):
    """Reads ``finqa.toml``; missing file means no values."""

    def _path(self) -> Path | None:
        candidates = []
        if os.environ.get("FINQA_CONFIG"):
            candidates.append(Path(os.environ["FINQA_CONFIG"]))
        candidates.append(Path("finqa.toml"))
        data_dir = os.environ.get("FINQA_DATA_DIR")
        if data_dir:
            candidates.append(Path(data_dir) / "finqa.toml")
        return next((p for p in candidates if p.is_file()), None)

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:  # pragma: no cover
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        path = self._path()
        if path is None:
            return {}
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        return data.get("finqa", data)


_current: Settings | None = None


def get_settings() -> Settings:
    """The process-wide settings; the CLI replaces them once with ``configure``."""
    global _current
    if _current is None:
        _current = Settings()
    return _current


def configure(**overrides: Any) -> Settings:
    """Build settings with CLI overrides (``None`` values are ignored) and make them current."""
    global _current
    clean = {k: v for k, v in overrides.items() if v is not None}
    _current = Settings(**clean)
    _current.data_dir.mkdir(parents=True, exist_ok=True)
    return _current
