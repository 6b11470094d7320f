"""検索用の正規化。

全角・半角の違い (「ＣＯ２」と「CO2」、「（」と「(」) や大文字・小文字、PDF 由来の空白で検索が外れない
よう、保存時と検索時の両方で同じ正規化 (NFKC + casefold + 空白除去) をかける。公表表記そのものは
変えずに、別の列 (search_text) に正規化済みの文字列を持つ。
"""

import re
import unicodedata

_WHITESPACE = re.compile(r"\s+")


def normalize_for_search(text: str) -> str:
    return _WHITESPACE.sub("", unicodedata.normalize("NFKC", text or "").casefold())


def search_terms(query: str) -> list[str]:
    """検索語を空白 (全角空白を含む) で区切り、それぞれ正規化する。"""
    return [term for term in (normalize_for_search(t) for t in (query or "").split()) if term]
