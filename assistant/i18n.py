"""The user-facing language of an answer: Chinese in, Chinese out.

finqa answers in the language it was asked in, or the one the user asked for ("用英文回答",
"answer in Chinese please": :func:`language_request`, held for the conversation by the facade and
set around the engines with :func:`stream_in`). The engines decide with :func:`answers_zh` on the
user's message (:func:`written_in_chinese`: a Chinese company name inside an English sentence does
not make it Chinese) and write their own sentences in both languages (the wording belongs next to
the numbers it describes, so it stays in each engine). What they cannot word themselves are the
*reasons* a model tier did not answer: those come from ``assistant.models`` (and the OpenAI
client, and the engines' own fallbacks) as English sentences, because the English text is also the
``fallback_reason`` of the JSON/UI contract and tests pin it. :func:`reason_zh` turns those known
reason templates into Traditional Chinese (Taiwan usage) for the Chinese answer text only.

It is deliberately a small table of regexes, one per template, not a translation framework: the
reasons are a closed set of sentences written in this repository, and a regex per template keeps
the parts the user must copy (model ids, paths, environment variables, commands) verbatim. A
reason that matches no template (raw exception text, a new template nobody added here yet) is
returned unchanged: an English sentence in a Chinese answer is better than a wrong translation.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from contextlib import contextmanager
from contextvars import ContextVar, copy_context
from typing import TypeVar

# Whether a message was written (at least partly) in Chinese; the engines import it from here.
from ingest.cjk import CJK_CHARS, CJK_RE, has_cjk


# What failed to load, as ``describe_load_failure`` names it.
_WHAT = {"weights": "權重", "tokenizer": "分詞器", "adapter": "適配器"}
_W = r"(?P<what>weights|tokenizer|adapter)"
_HOST = r"the model server at (?P<host>\S+)"

# (English template as a regex, Chinese template). ``{what}`` is translated through _WHAT and
# ``{inner}`` (a reason nested in a reason) through reason_zh itself; every other group is copied
# verbatim. Order matters where one template is a prefix of another (the more specific first).
_TEMPLATES: list[tuple[str, str]] = [
    # assistant.models.ModelManager.precheck
    (r"models are switched off \(cpu_only / FINQA_CPU_ONLY is set\)",
     "模型已關閉（已設定 cpu_only / FINQA_CPU_ONLY）"),
    (r"this engine is configured to use its CPU tier \(backend = cpu\)",
     "此引擎設定為使用 CPU 層（backend = cpu）"),
    (r"no GPU on this machine, so (?P<name>.+) is not loaded \(set FINQA_LOAD_MODELS_ON_CPU=1 "
     r"to load it on the CPU anyway\)",
     "這台機器沒有 GPU（顯示卡），因此不載入 {name}（若仍要在 CPU 上載入，請設定 FINQA_LOAD_MODELS_ON_CPU=1）"),
    # assistant.models.describe_load_failure
    (r"CUDA ran out of memory loading " + _W + r" (?P<name>.+)",
     "載入{what} {name} 時顯示卡（CUDA）記憶體不足"),
    (r"a package needed to load " + _W + r" (?P<name>.+) is missing \((?P<detail>.*)\)",
     "缺少載入{what} {name} 所需的套件（{detail}）"),
    (r"no " + _W + r" at (?P<name>.+): the path does not exist",
     "{name} 沒有{what}：路徑不存在"),
    (_W + r" at (?P<name>.+?) could not be loaded \((?P<detail>.*)\)",
     "無法載入 {name} 的{what}（{detail}）"),
    (_W + r" for (?P<name>.+) are not on this machine and the hub is offline",
     "{name} 的{what}不在這台機器上，而 Hugging Face Hub 設定為離線，無法下載"),
    (_W + r" for (?P<name>.+?) are not on this machine and could not be downloaded \((?P<detail>.*)\)",
     "{name} 的{what}不在這台機器上，也無法下載（{detail}）"),
    (_W + r" (?P<name>.+?) could not be loaded \((?P<detail>.*)\)",
     "無法載入{what} {name}（{detail}）"),
    # assistant.models: loading and running
    (r"unknown torch_dtype (?P<value>.+) in the settings", "設定中的 torch_dtype {value} 無法辨識"),
    (r"backend = openai needs openai_base_url in the settings", "backend = openai 需要在設定中指定 openai_base_url"),
    (r"transformers/torch are not installed \((?P<detail>.*)\)", "未安裝 transformers/torch（{detail}）"),
    (r"4-bit loading needs bitsandbytes, which is missing \((?P<detail>.*)\)",
     "4-bit 載入需要 bitsandbytes，但尚未安裝（{detail}）"),
    (r"CUDA ran out of memory while generating with (?P<name>.+)", "使用 {name} 生成文字時顯示卡（CUDA）記憶體不足"),
    (r"CUDA ran out of memory while scoring with (?P<name>.+)", "使用 {name} 評分時顯示卡（CUDA）記憶體不足"),
    (r"scoring chat prompts on (?P<name>.+?) needs the chat template of (?P<base>.+?), "
     r"whose tokenizer is not on this machine",
     "要在 {name} 上為對話提示評分，需要 {base} 的對話範本，但它的分詞器不在這台機器上"),
    # assistant.openai_backend
    (_HOST + r" is not reachable \(connection refused or down\)", "無法連線到 {host} 的模型伺服器（連線被拒或伺服器未啟動）"),
    (_HOST + r" did not answer within (?P<seconds>\S+) s", "{host} 的模型伺服器在 {seconds} 秒內沒有回應"),
    (_HOST + r" answered HTTP (?P<status>\d+): (?P<detail>.*)", "{host} 的模型伺服器回應 HTTP {status}：{detail}"),
    (_HOST + r" failed mid-answer: (?P<detail>.*)", "{host} 的模型伺服器在回答途中失敗：{detail}"),
    (_HOST + r" dropped the stream \((?P<detail>.*)\)", "{host} 的模型伺服器中斷了串流（{detail}）"),
    (_HOST + r" failed: (?P<detail>.*)", "{host} 的模型伺服器發生錯誤：{detail}"),
    # the engines' own fallbacks (sentiment, qa, forecast)
    (r"cpu_only is set", "已設定 cpu_only"),
    (r"models are switched off \(cpu_only\)", "模型已關閉（cpu_only）"),
    (r"CUDA out of memory loading the QA model \((?P<detail>.*)\)", "載入 QA 模型時顯示卡（CUDA）記憶體不足（{detail}）"),
    (r"CUDA out of memory \((?P<detail>.*)\)", "顯示卡（CUDA）記憶體不足（{detail}）"),
    (r"generation failed \((?P<inner>.*)\)", "生成失敗（{inner}）"),
    (r"the forecaster model (?P<name>.+?) could not be loaded: (?P<inner>.+)", "無法載入預測模型 {name}：{inner}"),
    (r"the forecaster model failed while scoring: (?P<inner>.+)", "預測模型評分時失敗：{inner}"),
    (r"the path adapter's answer could not be read \((?P<detail>.*)\); using the analog path",
     "無法解讀路徑適配器的回答（{detail}）；改用類比法的路徑"),
    (r"the path adapter (?P<name>.+?) could not be loaded: (?P<inner>.+)", "無法載入路徑適配器 {name}：{inner}"),
    (r"the path adapter failed while generating: (?P<inner>.+)", "路徑適配器生成時失敗：{inner}"),
]
_RULES: list[tuple[re.Pattern[str], str]] = [(re.compile(p, re.S), zh) for p, zh in _TEMPLATES]

_FIELDS: dict[str, Callable[[str], str]] = {
    "what": lambda v: _WHAT.get(v, v),
    "inner": lambda v: reason_zh(v),
}


def reason_zh(reason: str) -> str:
    """``reason`` (one of the English fallback reasons) in Traditional Chinese; unknown ones unchanged.

    Model ids, paths, hosts, environment variables and exception details are copied verbatim; a
    reason nested inside another ("the forecaster model X could not be loaded: <reason>") is
    translated too.
    """
    text = reason.strip()
    for pattern, zh in _RULES:
        m = pattern.fullmatch(text)
        if m:
            fields = {k: _FIELDS.get(k, str)(v) for k, v in m.groupdict().items()}
            return zh.format(**fields)
    return reason


# --------------------------------------------------------------------------------------------
# "用英文回答", "answer in Chinese please": the language the user asked for, over the question's own
# --------------------------------------------------------------------------------------------

# "en" or "zh" while an answer is being written in a language the user asked for; None: the
# question's own language. A context variable, not an argument, because the language is decided by
# some forty helpers that take only the message (each engine words its own sentences).
_ANSWER_LANGUAGE: ContextVar[str | None] = ContextVar("finqa_answer_language", default=None)


def answers_zh(message: str | None) -> bool:
    """Whether the answer to ``message`` goes out in Chinese: the language the user asked for in this
    conversation, else the message's own (Chinese in, Chinese out)."""
    asked = _ANSWER_LANGUAGE.get()
    return asked == "zh" if asked else written_in_chinese(message)


# An English word: two letters or more with a lower-case one ("price", "Tell"); "RSI", "EPS" and
# "KD" are written in Chinese questions too, so they decide nothing.
_ENGLISH_WORD = re.compile(r"(?<![A-Za-z])[A-Za-z]*[a-z][A-Za-z]*[A-Za-z](?![A-Za-z])|(?<![A-Za-z])[A-Z][a-z]+")


@lru_cache(maxsize=512)
def written_in_chinese(message: str | None) -> bool:
    """Whether ``message`` is a Chinese question. A Chinese company name or a quoted Chinese
    headline inside an English sentence ("Tell me everything about 台積電", 'classify "聯發科下修財測"')
    does not make it one: what is left without them decides, and a bare name ("台積電", "台積電RSI")
    is Chinese."""
    if not has_cjk(message):
        return False
    from ingest.companies import get_directory

    from .slots import QUOTED

    try:
        directory = get_directory()
        rest = QUOTED.sub(" ", directory.without_mentions(message or ""))
    except Exception:  # noqa: BLE001 - no directory (a broken data file): the characters decide
        return True
    if has_cjk(rest):
        return True
    # An English word counts when it stands on its own: glued to Chinese ("台積電pirce") it is a
    # term typed inside a Chinese question.
    return all(_glued(message or "", m.group(0)) for m in _ENGLISH_WORD.finditer(rest))


def _glued(message: str, word: str) -> bool:
    """Whether ``word`` touches a Chinese character wherever it is written in ``message``."""
    found = [m for m in re.finditer(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])", message)]
    return bool(found) and all((m.start() > 0 and CJK_RE.match(message, m.start() - 1))
                               or (m.end() < len(message) and CJK_RE.match(message, m.end())) for m in found)


def answer_language() -> str | None:
    """The language the user asked for ("en" / "zh"), or ``None`` for the question's own."""
    return _ANSWER_LANGUAGE.get()


@contextmanager
def answering_in(language: str | None) -> Iterator[None]:
    """Within the block, answers go out in ``language`` ("en" / "zh"; ``None``: the question's)."""
    token = _ANSWER_LANGUAGE.set(language)
    try:
        yield
    finally:
        _ANSWER_LANGUAGE.reset(token)


T = TypeVar("T")


def stream_in(language: str | None, items: Iterator[T]) -> Iterator[T]:
    """``items`` with every step run in ``language``.

    Each ``next`` runs inside one context of its own, so the setting holds whichever thread pulls
    the next item (Gradio pulls a streaming answer's steps from worker threads) and never leaks to
    the caller.
    """
    context = copy_context()
    context.run(_ANSWER_LANGUAGE.set, language)
    while True:
        try:
            item = context.run(next, items)
        except StopIteration:
            return
        yield item


_LANGUAGE_WORDS = {
    "en": r"english|英文|英語|英语",
    "zh": r"(?:traditional |simplified )?chinese|mandarin|中文|國語|国语|華語|华语|繁體中文|繁体中文|繁中|简体中文|簡體中文|简中",
}
# The phrasings of a request, each around ``{lang}``: "(please) answer/reply/write/speak (to me) in
# English", "speak Chinese", "in English please", "translate (that) to Chinese", "switch to English",
# "use English", a bare "English please"; "用英文回答", "請用中文", "說中文", "翻譯成英文", "改用英文",
# "英文回答", "給我英文版", a bare "中文".
_REQUEST_FORMS = (
    r"(?:\b(?:can|could|would) you\s+)?(?:\bplease\s+)?\b(?:answer|reply|respond|write|explain|continue|say|repeat|"
    r"give|show)(?: (?:it|that|this|the answer|your answer))?(?: (?:to )?me)?(?: again)?\s+in\s+(?:{lang})\b(?:\s+please)?",
    r"(?:\b(?:can|could|would) you\s+)?(?:\bplease\s+)?\b(?:speak|talk)(?: to me)?\s+(?:in\s+)?(?:{lang})\b(?:\s+please)?",
    r"\b(?:translate|put)(?: (?:it|that|this|the answer|your answer))?\s+(?:in)?to\s+(?:{lang})\b",
    r"\b(?:switch|change)(?: (?:back|over))?\s+to\s+(?:{lang})\b|\buse\s+(?:{lang})\b",
    r"\bin\s+(?:{lang})\s*(?:please|pls|plz)?\s*[.!?]*\s*$",
    r"^\s*(?:{lang})\s*(?:please|pls|plz|only)?\s*[.!?？！]*\s*$",
    r"(?:請|请|麻煩|麻烦|可以|能不能|能否)?你?(?:改|換|换|都)?(?:用|以|說|说|講|讲|翻譯成|翻译成|翻成|換成|换成|改成|改用)(?:{lang})"
    r"(?:回答|回覆|回复|作答|答|說明|说明|解釋|解释|寫|写|講|讲|說|说)?(?:好嗎|好吗|好不好|可以嗎|可以吗|嗎|吗)?",
    r"(?:{lang})(?:回答|回覆|回复|作答)|(?:給我|给我)?(?:{lang})版",
)
_REQUESTS = tuple((lang, re.compile(form.format(lang=words), re.I))
                  for form in _REQUEST_FORMS for lang, words in _LANGUAGE_WORDS.items())
# "what is 台積電 in English?", "how do you say 當沖 in English": a name or a word, not a request.
_ASKS_A_NAME = re.compile(rf"^\s*(?:what(?:'s| is| are)\s+[{CJK_CHARS}\s]+|how (?:do|would) you say\b.*|how to say\b.*)$", re.I)
# What may stand beside a request and ask nothing else: "please", "thanks", "ok", "again".
_FILLER = re.compile(r"\b(?:please|pls|plz|thanks?|thank you|ok(?:ay)?|now|again|instead|from now on|only|the|answer|"
                     r"last|previous|that|it|this|me|you|to|and|hi|hey|sorry)\b|請|请|謝謝|谢谢|好嗎|好吗|吧|嗎|吗|呢|再|一次|"
                     r"上一題|上一题|剛才|刚才|的|回答|之後|之后|以後|以后|都|[\W_]", re.I)


def language_request(message: str) -> tuple[str | None, str]:
    """(``"en"`` / ``"zh"`` / ``None``, the message without the request).

    "用英文回答" → ("en", ""); "台積電股價，用英文回答" → ("en", "台積電股價"); "answer in Chinese please"
    → ("zh", ""). A message that names a language for another reason ("TSMC's Chinese name",
    "英文名稱", "translate 'bullish'", a quoted 「用英文回答」) is no request: only the phrasings above are.
    """
    from .slots import QUOTED

    text = message or ""
    # quoted text is what to classify or look up ('classify "answer in English"'), never a request
    masked = QUOTED.sub(lambda q: " " * len(q.group(0)), text)
    for lang, pattern in _REQUESTS:
        m = pattern.search(masked)
        if m is None or (m.group(0).lower().startswith("in ") and _ASKS_A_NAME.match(text[: m.start()])):
            continue
        rest = re.sub(r"^[\s,，。.;；:：!！?？、-]+|[\s,，。.;；:：!！、-]+$", "", text[: m.start()] + " " + text[m.end():])
        return lang, rest
    return None, message


def only_language_request(rest: str) -> bool:
    """Whether what is left of a message beside its language request asks nothing else."""
    return not _FILLER.sub("", rest or "").strip()


def language_notice(language: str, replayed: bool) -> str:
    """Said once, in ``language``, when the user asks for it: for the rest of the conversation."""
    if language == "zh":
        return ("好的，這段對話接下來都用中文回答" + ("，上一個問題重新回答如下" if replayed else "")
                + "；要改回英文，說「answer in English」。")
    return ("OK: answers in this conversation are in English from now on" + (", starting with the last question again"
            if replayed else "") + "; say 「用中文回答」 to switch back.")


def language_ack(language: str, in_conversation: bool) -> str:
    """The reply to a bare "answer in English" with no earlier question to answer again."""
    if language == "zh":
        return ("好的，" + ("這段對話接下來都用中文回答。" if in_conversation else "用中文回答。")
                + "請問想知道哪家公司的什麼？例如 `台積電股價`、`聯發科新聞`、`預測鴻海未來5天`。")
    return (("OK: answers in this conversation are in English from now on. " if in_conversation else "OK, in English. ")
            + "What would you like to know? For example `TSMC price`, `MediaTek news` or `forecast Hon Hai next 5 days`.")


__all__ = ["answer_language", "answering_in", "answers_zh", "has_cjk", "language_ack", "language_notice", "language_request",
           "only_language_request", "reason_zh", "stream_in", "written_in_chinese"]
