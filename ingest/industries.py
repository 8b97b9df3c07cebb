"""Industries (產業別) of TWSE/TPEx stocks: TWSE's own classification, as ``twstock.codes`` ships it.

Why: "which sector did best last month?", "半導體類股漲幅排行" and "chip stocks that fell the most"
are everyday questions in Taiwan, and the exchange's classification (the ``group`` field of
twstock's offline code table, e.g. 半導體業) answers "which industry" without a data feed. This
module holds the English name of each industry and the words a user calls it by; the company
directory (``ingest.companies``) stores the industry on each :class:`~ingest.types.Company`.

Patterns are matched on OpenCC-simplified, lower-cased text (what the assistant's parsers see), so
the Chinese words below are written in Simplified characters.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Industry:
    name_zh: str  # TWSE's name, as in twstock.codes (Traditional)
    name_en: str
    pattern: str  # what a user calls it (simplified, lower-case); "" = never named on its own
    members: tuple[str, ...] = ()  # a group of industries ("tech stocks", 電子股): the TWSE names it covers
    market: str | None = None  # a market instead ("TPEx stocks", 上櫃股票): every company listed there
    kind: str | None = None  # a kind of security instead ("ETFs", ETF有哪些): every one of that kind

    def includes(self, name_zh: str | None) -> bool:
        """Whether a company of the industry ``name_zh`` belongs here (itself, or a member)."""
        return name_zh is not None and (name_zh == self.name_zh or name_zh in self.members)

    def covers(self, company: Any) -> bool:
        """Whether ``company`` (an ``ingest.types.Company``, or ``None``) belongs to this group."""
        if company is None:
            return False
        if self.kind:
            return getattr(company, "kind", None) == self.kind
        return company.market == self.market if self.market else self.includes(company.industry)


INDUSTRIES: tuple[Industry, ...] = (
    Industry("半導體業", "Semiconductors",
             r"\bsemiconductors?\b|\bsemis\b|\bchip ?(?:stocks?|makers?|sector|industry)\b|\bchipmakers?\b|半导体|晶片股|芯片股"),
    Industry("電子零組件業", "Electronic Components", r"\belectronic components?\b|电子零组件"),
    Industry("電腦及週邊設備業", "Computers & Peripherals",
             r"\bcomputers?(?: and| &) peripherals\b|\b(?:pc|computer|server) makers?\b|\bcomputer hardware\b|\bpc stocks?\b"
             r"|电脑及周边|电脑周边|电脑股"),
    Industry("光電業", "Optoelectronics", r"\boptoelectronics?\b|光电"),
    Industry("通信網路業", "Communications & Networking",
             r"\btelecoms?\b|\btelecommunications?\b|\bnetworking\b|通信网路|网通|电信"),
    Industry("其他電子業", "Other Electronics", r"\bother electronics\b|其他电子"),
    Industry("電子通路業", "Electronics Distribution", r"\belectronics? distribut\w+|电子通路"),
    Industry("資訊服務業", "Information Services", r"\b(?:information|it) services\b|资讯服务"),
    Industry("數位雲端", "Digital & Cloud", r"\bcloud (?:stocks|companies|sector)\b|数位云端"),
    Industry("生技醫療業", "Biotech & Medical", r"\bbiotech\w*|\bmedical (?:stocks|companies|sector)\b|\bhealthcare\b|生技|医疗"),
    Industry("電機機械", "Electrical Machinery", r"\b(?:electrical )?machinery\b|电机机械"),
    Industry("電器電纜", "Electric Appliances & Cables", r"\b(?:cable|appliance) (?:stocks|makers?)\b|电器电缆"),
    Industry("金融保險業", "Finance & Insurance",
             r"\bfinancials\b|\bfinancial (?:stocks|sector)\b|\bbanks\b|\bbank stocks\b|\binsurers\b|金融|保险股|银行股"),
    Industry("航運業", "Shipping", r"\bshipping\b|\bshippers\b|\bairlines\b|航运|海运|货柜"),
    Industry("汽車工業", "Automotive", r"\bautomotive\b|\bauto (?:stocks|makers?|sector)\b|\bcar ?makers?\b|汽车"),
    Industry("綠能環保", "Green Energy & Environment", r"\bgreen energy\b|\brenewables?\b|绿能|环保"),
    Industry("油電燃氣業", "Oil, Gas & Electricity", r"\boil (?:and|&) gas\b|\butilities\b|油电燃气"),
    Industry("鋼鐵工業", "Steel", r"\bsteel (?:stocks|makers?|sector|industry)\b|\bsteelmakers?\b|钢铁"),
    Industry("塑膠工業", "Plastics", r"\bplastics\b|塑胶|塑化"),
    Industry("化學工業", "Chemicals", r"\bchemicals?\b|化学|化工"),
    Industry("橡膠工業", "Rubber", r"\brubber\b|橡胶"),
    Industry("水泥工業", "Cement", r"\bcement\b|水泥"),
    Industry("玻璃陶瓷", "Glass & Ceramics", r"\bglass\b|\bceramics\b|玻璃|陶瓷"),
    Industry("造紙工業", "Paper", r"\bpaper (?:stocks|makers?|sector|industry)\b|造纸"),
    Industry("紡織纖維", "Textiles", r"\btextiles?\b|纺织"),
    Industry("食品工業", "Food", r"\bfood (?:stocks|companies|sector|industry)\b|食品"),
    Industry("建材營造業", "Construction & Building Materials",
             r"\bconstruction\b|\bbuilding materials\b|\bhomebuilders?\b|建材营造|营建|营造"),
    Industry("觀光餐旅", "Tourism & Hospitality", r"\btourism\b|\bhospitality\b|\bhotel stocks\b|观光|餐旅"),
    Industry("貿易百貨業", "Trading & Department Stores", r"\bretail(?:ers)?\b|\bdepartment stores?\b|贸易百货|百货"),
    Industry("居家生活", "Home & Living", r"\bhome (?:and|&) living\b|居家生活"),
    Industry("運動休閒", "Sports & Leisure", r"\bsports?(?: and| &) leisure\b|运动休闲"),
    Industry("文化創意業", "Cultural & Creative", r"\bcultural (?:and|&) creative\b|文化创意|文创"),
    Industry("農業科技業", "Agricultural Technology", r"\bagri(?:cultural )?tech\w*|农业科技"),
    Industry("其他業", "Other", ""),
    # TWSE's electronics sectors together (its 電子類 index): what "tech stocks" and 電子股 mean in Taiwan.
    Industry("電子類股", "Electronics (tech)",
             r"\btech(?:nology)? (?:stocks?|shares|sector|names|companies|industry)\b|\belectronics? (?:stocks?|shares|sector)\b"
             r"|电子股|电子类股|电子业(?!务)|电子产业|科技股|科技类股",
             members=("半導體業", "電腦及週邊設備業", "光電業", "通信網路業", "電子零組件業", "其他電子業", "電子通路業",
                      "資訊服務業")),
    # The two markets, the other way users group stocks: "which TPEx stock rose the most?", 上櫃股票有哪些.
    Industry("上櫃", "TPEx-listed", r"\btpex\b|\botc (?:stocks|shares|market|companies)\b|(?<!市)上柜", market="TPEx"),
    Industry("上市", "TWSE-listed", r"\btwse[- ](?:listed )?(?:stocks|shares|companies)\b|\blisted on (?:the )?twse\b"
             r"|(?<!上)上市(?:股票|公司|股)(?!柜)", market="TWSE"),
    # Exchange-traded funds (twstock files them under no industry): "ETF有哪些", "which ETF rose the most?"
    Industry("ETF", "ETFs", r"(?<![a-z])etfs?(?![a-z])|指数股票型基金", kind="etf"),
)
BY_NAME = {i.name_zh: i for i in INDUSTRIES}
_PATTERNS = [(i, re.compile(i.pattern)) for i in INDUSTRIES if i.pattern]


def industry_named(text: str) -> Industry | None:
    """The industry ``text`` (simplified, lower-cased) names, or ``None``; the earliest mention
    wins when it names several."""
    hits = [(m.start(), i) for i, rx in _PATTERNS if (m := rx.search(text))]
    return min(hits, key=lambda t: t[0])[1] if hits else None


def english_name(name_zh: str | None) -> str | None:
    """TWSE's industry name in English (the Chinese name itself for one we do not know)."""
    if not name_zh:
        return None
    known = BY_NAME.get(name_zh)
    return known.name_en if known else name_zh
