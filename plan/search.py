"""検索用の正規化。

全角・半角の違い (「ＣＯ２」と「CO2」、「（」と「(」) や大文字・小文字、PDF 由来の空白、ひらがなと
カタカナの違い (「りさいくる」と「リサイクル」、「ゴミ」と「ごみ」) で検索が外れないよう、保存時と
検索時の両方で同じ正規化 (NFKC + casefold + 空白除去 + カタカナをひらがなに) をかける。公表表記
そのものは変えずに、別の列 (search_text) に正規化済みの文字列を持つ (``search_text_of``: 事業コード
や KPI コードも含めるので、「P022」でも見つかる)。

``normalize_for_search`` はかなを畳まない (Excel の取込で局名や施策名を照合するキーにも使うため)。

検索語の数と長さには上限がある: 語ごとに条件が一つ増えるので、URL に何千語も並べると問い合わせが
二乗で大きくなる (SQLite は「Expression tree is too large」、PostgreSQL はワーカーが落ちる)。
どの一覧の検索も (管理画面、書き出しの絞り込み) ここを通る。
"""

import re
import unicodedata

_WHITESPACE = re.compile(r"\s+")
#: 制御文字 (NUL など)。PostgreSQL の文字列には NUL を入れられない。
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

#: 検索に使う語の数と、検索文字列の長さの上限 (超えた分は使わない)。
MAX_SEARCH_TERMS = 10
MAX_SEARCH_LENGTH = 200


#: カタカナ (ァ〜ヶ) をひらがな (ぁ〜ゖ) に。「ー」などの記号はそのまま。
_KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(ord("ァ"), ord("ヶ") + 1)}


def normalize_for_search(text: str) -> str:
    return _WHITESPACE.sub("", unicodedata.normalize("NFKC", text or "").casefold())


def search_key(text: str) -> str:
    """``normalize_for_search`` with katakana folded into hiragana: what search compares."""
    return normalize_for_search(text).translate(_KATAKANA_TO_HIRAGANA)


def search_text_of(*parts: str) -> str:
    """The stored search column of a record: each part (code, name, summary…) as ``search_key``,
    one per line, so that a search term (never containing a line break) matches within a part."""
    return "\n".join(search_key(part) for part in parts)


def limit_search_query(query: str) -> str:
    """検索文字列を、重複を除いた最初の ``MAX_SEARCH_TERMS`` 語 (全体で ``MAX_SEARCH_LENGTH`` 文字
    まで、制御文字を除く) に切り詰める。正規化はしない (Django の既定の検索にも渡せる)。"""
    text = _CONTROL.sub(" ", (query or "")[:MAX_SEARCH_LENGTH])
    return " ".join(list(dict.fromkeys(text.split()))[:MAX_SEARCH_TERMS])


def search_terms(query: str) -> list[str]:
    """検索語を空白 (全角空白を含む) で区切り、それぞれ ``search_key`` で正規化する (重複なし、上限まで)。"""
    terms = (search_key(term) for term in limit_search_query(query).split())
    return list(dict.fromkeys(term for term in terms if term))
