"""A Chinese question gets a Chinese answer from every engine's CPU tier.

``assistant.i18n.reason_zh`` on every fallback-reason template (the English reasons are produced by
the real code where that is cheap, so a reworded template shows up here as an untranslated
reason), then the sentiment, QA and forecast engines asked in Chinese on their CPU tiers: the
answer text is Chinese, ids/paths/commands stay verbatim, and ``fallback_reason`` stays English.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from assistant.i18n import has_cjk, reason_zh
from assistant.types import EngineRequest

# English phrases of the templates that must not survive in a translated reason or answer.
_ENGLISH = re.compile(r"could not|not on this machine|is missing|does not exist|switched off|no GPU|out of memory|"
                      r"is set\b|configured to|needs|not reachable|did not answer|answered HTTP|failed|CPU tier|"
                      r"no language model")


def _load_failure(what: str, name: str, exc: BaseException) -> str:
    from assistant.models import describe_load_failure

    return describe_load_failure(what, name, exc)


def _precheck(settings, spec) -> str:
    from assistant.models import ModelManager

    reason = ModelManager(settings).precheck(spec)
    assert reason is not None
    return reason


def test_has_cjk():
    assert has_cjk("台積電最近新聞情緒如何？") and has_cjk("sentiment of 台積電")
    assert not has_cjk("sentiment of 2330 news") and not has_cjk(None) and not has_cjk("")


def test_reason_zh_translates_every_models_template(data_dir, tmp_path, monkeypatch):
    from ingest.config import EngineModel

    existing = tmp_path / "weights-dir"
    existing.mkdir()
    missing = str(tmp_path / "missing-model")
    monkeypatch.setattr("assistant.models._cuda_available", lambda: False)
    no_gpu = data_dir.model_copy(update={"load_models_on_cpu": False})
    cases = [
        # (English reason, what must be copied verbatim, a Chinese word the translation must hold)
        (_precheck(data_dir.model_copy(update={"cpu_only": True}), EngineModel(base="x/y")),
         ["cpu_only / FINQA_CPU_ONLY"], "模型已關閉"),
        (_precheck(data_dir, EngineModel(base="x/y", backend="cpu")), ["backend = cpu"], "CPU 層"),
        (_precheck(no_gpu, EngineModel(base="TheFinAI/StockLLM")),
         ["TheFinAI/StockLLM", "FINQA_LOAD_MODELS_ON_CPU=1"], "沒有 GPU"),
        (_load_failure("weights", "org/model", RuntimeError("CUDA out of memory. Tried to allocate 2 GiB")),
         ["org/model"], "記憶體不足"),
        (_load_failure("adapter", "org/lora", ImportError("No module named 'peft'")),
         ["org/lora", "No module named 'peft'"], "缺少"),
        (_load_failure("weights", missing, OSError("nope")), [missing], "路徑不存在"),
        (_load_failure("tokenizer", str(existing), ValueError("bad tokenizer.json")),
         [str(existing), "bad tokenizer.json"], "分詞器"),
        (_load_failure("weights", "org/model", OSError("offline")), ["org/model"], "離線"),
        (_load_failure("weights", "org/model", KeyError("rope_scaling")),
         ["org/model", "KeyError: 'rope_scaling'"], "無法載入權重"),
        ("unknown torch_dtype 'float99' in the settings", ["torch_dtype 'float99'"], "設定"),
        ("backend = openai needs openai_base_url in the settings", ["openai_base_url"], "設定"),
        ("transformers/torch are not installed (No module named 'torch')", ["transformers/torch"], "未安裝"),
        ("4-bit loading needs bitsandbytes, which is missing (No module named 'bitsandbytes')",
         ["bitsandbytes"], "4-bit 載入"),
        ("CUDA ran out of memory while generating with org/model + org/lora", ["org/model + org/lora"], "生成"),
        ("CUDA ran out of memory while scoring with org/model", ["org/model"], "評分"),
        ("scoring chat prompts on served-model @ http://127.0.0.1:8000 needs the chat template of org/model, "
         "whose tokenizer is not on this machine", ["served-model @ http://127.0.0.1:8000", "org/model"], "對話範本"),
        ("the model server at 127.0.0.1:8000 is not reachable (connection refused or down)", ["127.0.0.1:8000"],
         "無法連線"),
        ("the model server at 127.0.0.1:8000 did not answer within 60 s", ["127.0.0.1:8000", "60"], "秒內沒有回應"),
        ("the model server at 127.0.0.1:8000 answered HTTP 503: overloaded", ["HTTP 503", "overloaded"], "回應"),
        # the engines' own fallbacks
        ("cpu_only is set", ["cpu_only"], "已設定"),
        ("models are switched off (cpu_only)", ["cpu_only"], "模型已關閉"),
        ("CUDA out of memory loading the QA model (boom)", ["boom"], "QA 模型"),
        ("the path adapter's answer could not be read (day 3 is missing); using the analog path",
         ["day 3 is missing"], "類比法"),
    ]
    # The hub-offline and could-not-download wordings depend on HF_HUB_OFFLINE: produce both.
    monkeypatch.setattr("assistant.models._hub_offline", lambda: False)
    cases.append((_load_failure("weights", "org/model", OSError("Connection refused")),
                  ["org/model", "Connection refused"], "無法下載"))
    for english, verbatim, word in cases:
        zh = reason_zh(english)
        assert zh != english and word in zh, (english, zh)
        assert all(v in zh for v in verbatim), (english, zh)
        # Nothing of the English sentence is left beyond what was copied verbatim.
        rest = zh
        for v in verbatim:
            rest = rest.replace(v, "")
        assert not _ENGLISH.search(rest), (english, zh)


def test_reason_zh_nested_and_unknown_reasons():
    inner = ("no GPU on this machine, so TheFinAI/StockLLM is not loaded (set FINQA_LOAD_MODELS_ON_CPU=1 "
             "to load it on the CPU anyway)")
    zh = reason_zh(f"the forecaster model TheFinAI/StockLLM could not be loaded: {inner}")
    assert zh.startswith("無法載入預測模型 TheFinAI/StockLLM：這台機器沒有 GPU")
    assert "FINQA_LOAD_MODELS_ON_CPU=1" in zh and "anyway" not in zh
    assert reason_zh("generation failed (CUDA ran out of memory while generating with m)") == \
        "生成失敗（使用 m 生成文字時顯示卡（CUDA）記憶體不足）"
    # Raw exception text (no template) comes back as it was: better English than a wrong guess.
    for raw in ("RuntimeError: expected scalar type Half", "the model server at h:1 returned 2 results for 3 prompts",
                "models are switched off for maintenance"):
        assert reason_zh(raw) == raw


# --- the engines, asked in Chinese on their CPU tiers ---------------------------------------------
def test_sentiment_cpu_tier_answers_a_chinese_question_in_chinese(data_dir, tmp_path):
    from assistant.engines.sentiment import CPU_ENGINE, SentimentEngine
    from assistant.models import ModelManager
    from ingest.config import EngineModel
    from tests.test_sentiment_engine import _store_with_articles, save_random_cpu_classifier

    missing = str(tmp_path / "missing-finsent")
    settings = data_dir.model_copy(update={"sentiment": EngineModel(base=missing)})
    _store_with_articles(settings)
    engine = SentimentEngine(settings=settings, manager=ModelManager(settings))

    # No classifier trained yet: the Chinese answer says so, with the command verbatim.
    untrained = engine.run(EngineRequest(message="台積電最近新聞情緒如何？", code="2330"))
    assert untrained.engine == CPU_ENGINE and untrained.sentiment is None
    assert "尚未訓練" in untrained.answer and "not trained yet" not in untrained.answer
    assert "`finqa finetune sentiment --backend embedded --data ../shared/data/sentiment/fpb_train.csv`" \
        in untrained.answer
    assert f"{missing} 沒有權重：路徑不存在" in untrained.answer

    save_random_cpu_classifier(settings)
    engine.cpu_classifier = None
    answer = engine.run(EngineRequest(message="台積電最近新聞情緒如何？", code="2330"))
    r = answer.sentiment
    assert answer.engine == CPU_ENGINE and sum(r.counts.values()) == 4
    first, _, body = answer.answer.partition("\n\n")
    # The header names the tier and the reason, both in Chinese (the path verbatim) ...
    assert first == f"CPU 層（MiniLM 分類器；未載入語言模型：{missing} 沒有權重：路徑不存在）。"
    # ... while the JSON/UI contract keeps the English reason.
    assert answer.fallback_reason == f"no weights at {missing}: the path does not exist"
    assert "2330 最近 30 天內的 4 則新聞" in body
    assert (f"正面（positive）{r.counts['positive']}、中性（neutral）{r.counts['neutral']}、"
            f"負面（negative）{r.counts['negative']}；淨分數（net score）{r.score:+.2f}") in body
    if r.counts["positive"]:
        assert "最正面：" in body
    if r.counts["negative"]:
        assert "最負面：" in body
    assert not _ENGLISH.search(answer.answer.replace(missing, ""))
    assert "Sentiment of" not in answer.answer and "articles about" not in answer.answer

    # Stale news: the window message is Chinese too, the command verbatim.
    stale = engine.run(EngineRequest(message="台積電新聞情緒", code="2330", as_of=date.today() + timedelta(days=60)))
    assert "截至最新一則已存新聞" in stale.answer and "`finqa ingest news 2330` 可抓取最新新聞" in stale.answer
    assert "latest stored article" not in stale.answer
    # No news at all: Chinese, with the command.
    none = engine.run(EngineRequest(message="長榮新聞情緒", code="2603"))
    assert none.answer == "尚未匯入任何關於 2603 的新聞。執行 `finqa ingest news 2603` 即可抓取。"
    # A quoted headline asked about in Chinese.
    quoted = engine.run(EngineRequest(message="這則標題的情緒？「台積電營收創新高」", quoted_text="台積電營收創新高"))
    label = quoted.sentiment.items[0].label
    zh_label = {"positive": "正面", "neutral": "中性", "negative": "負面"}[label]
    assert quoted.answer.split("\n\n")[1].startswith(f"引用文字的情緒：**{zh_label}**（{label}，p = ")
    # The same question in English is still answered in English.
    english = engine.run(EngineRequest(message="sentiment of 2330 news", code="2330"))
    assert english.answer.startswith("CPU tier (MiniLM classifier; no language model loaded: no weights at ")
    assert "articles about 2330 from the 30 days up to now" in english.answer and "淨分數" not in english.answer


def test_qa_cpu_tier_answers_a_chinese_question_in_chinese(data_dir):
    from assistant.engines.qa import CPU_ENGINE, QAEngine
    from tests.test_qa import _index_news

    settings = data_dir.model_copy(update={"cpu_only": True})
    _index_news(settings)
    engine = QAEngine(settings=settings)
    answer = engine.run(EngineRequest(message="台積電股價為什麼下跌？", code="2330"))
    assert answer.engine == CPU_ENGINE and answer.citations
    header, _, body = answer.answer.partition("\n\n")
    assert header == "CPU 層（擷取式；未載入語言模型：已設定 cpu_only）。"
    assert body.startswith("檢索到的新聞中與問題最相關的句子：\n- ")
    assert re.search(r"\[\d\]$", body)  # each quoted sentence keeps its [n]
    assert "CPU tier" not in answer.answer and "Most relevant" not in answer.answer
    assert answer.fallback_reason == "cpu_only is set"

    # A company without news: the no-news body and the hint, in Chinese, commands verbatim.
    none = engine.run(EngineRequest(message="長榮最近有什麼消息？", code="2603"))  # the newest asked: nothing to list
    assert "沒有關於 2603 長榮 的已存新聞可列出（原因見下方說明）。" in none.answer
    assert "No indexed news" not in none.answer and "There is no stored news" not in none.answer
    topic = engine.run(EngineRequest(message="長榮的運價為什麼上漲？", code="2603"))  # a question: no model to answer it
    assert "沒有關於 2603 長榮 的已存新聞可引用（原因見下方說明）" in topic.answer and "FINQA_QA__BASE" in topic.answer
    assert "尚未匯入 2603 的新聞：請執行 `finqa ingest news 2603`（再執行 `finqa index build`）。" in none.notices
    assert not any("No news for" in n for n in none.notices)


def _chinese_forecast(settings, **engine_kw):
    from tests.test_forecast import _engine, _store_with

    _store_with(settings)
    return _engine(settings, **engine_kw).run(EngineRequest(message="台積電下週會漲嗎？", code="2330", horizon_days=5))


def test_forecast_chinese_answer_quotes_the_reason_in_chinese(data_dir, tmp_path):
    from assistant.models import ModelManager
    from ingest import config
    from ingest.config import EngineModel

    cpu = _chinese_forecast(config.configure(data_dir=data_dir.data_dir, cpu_only=True))
    assert cpu.forecast.engine == "analog"
    assert "未使用語言模型的原因：模型已關閉（cpu_only）。" in cpu.answer
    assert "switched off" not in cpu.answer and "switched off" in cpu.fallback_reason
    # The backtest's engine and baselines by their Chinese names, not the JSON keys.
    assert "類比法 在本檔歷史上" in cpu.answer and "永遠看漲" in cpu.answer and "隨機漫步" in cpu.answer
    assert "always_rise" not in cpu.answer and "random_walk" not in cpu.answer

    missing = str(tmp_path / "missing-model")
    settings = config.configure(data_dir=data_dir.data_dir, forecaster=EngineModel(base=missing))
    ans = _chinese_forecast(settings, manager=ModelManager(settings))
    assert ans.forecast.engine == "analog"
    assert f"未使用語言模型的原因：無法載入預測模型 {missing}：{missing} 沒有權重：路徑不存在。" in ans.answer
    assert not _ENGLISH.search(ans.answer.replace(missing, ""))
    assert ans.fallback_reason == (f"the forecaster model {missing} could not be loaded: "
                                   f"no weights at {missing}: the path does not exist")


@pytest.mark.parametrize("message, script", [
    ("台积电最近怎么样", "simplified"), ("联发科", "simplified"), ("台股今天怎么样", "simplified"),
    ("台積電最近怎麼樣", "traditional"), ("鴻海", "traditional"),
    # no sign of either (台 is written in both in Taiwan): the conversation's script is kept
    ("台股呢", None), ("那5月呢", None), ("2330 price", None),
])
def test_the_script_a_message_is_written_in(message, script):
    from assistant.slots import script_of

    assert script_of(message) == script


def test_a_user_who_writes_simplified_reads_simplified(data_dir):
    """"台积电最近怎么样" had been answered in Traditional; the conversation keeps the script through a
    follow-up that shows none ("那5月呢"), and a Traditional message switches back."""
    from assistant.service import Assistant
    from assistant.slots import ChatSession
    from ingest.store import open_store
    from tests.fixture_data import synthetic_bars

    open_store(data_dir.store_path).upsert_bars(synthetic_bars("2330", 120, end=date(2025, 5, 30)))
    asst, session = Assistant(data_dir.model_copy(update={"cpu_only": True})), ChatSession()
    first = asst.answer("台积电2025年4月表现", session=session)
    assert "台积电" in first.answer and "個交易日" not in first.answer and "个交易日" in first.answer
    assert session.script == "simplified"
    second = asst.answer("那5月呢", session=session)
    assert "个交易日" in second.answer and "個交易日" not in second.answer
    back = asst.answer("台積電2025年4月表現", session=session)
    assert "個交易日" in back.answer and session.script == "traditional"
    deltas = [d for d in asst.stream("台积电2025年4月表现") if isinstance(d, str)]
    assert not any("個" in d for d in deltas)  # the streamed text too
