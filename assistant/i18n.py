"""The user-facing language of an answer: Chinese in, Chinese out.

finqa answers in the language it was asked in. The engines decide that with :func:`has_cjk` on
the user's message and write their own sentences in both languages (the wording belongs next to
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
from collections.abc import Callable

# Whether a message was written (at least partly) in Chinese; the engines import it from here.
from ingest.cjk import has_cjk


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


__all__ = ["has_cjk", "reason_zh"]
