"""The one definition of "a CJK ideograph" (Chinese characters, with Japanese kanji): which text is
Chinese, which answer goes out in Chinese, which news body lost its Chinese."""
from __future__ import annotations

import re

# CJK Unified Ideographs with Extension A, and the compatibility ideographs: a character-class body.
CJK_CHARS = r"\u3400-\u9fff\uf900-\ufaff"
CJK_RE = re.compile(f"[{CJK_CHARS}]")


def has_cjk(text: str | None) -> bool:
    """Whether ``text`` contains a CJK ideograph."""
    return bool(text and CJK_RE.search(text))
