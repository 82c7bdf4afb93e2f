"""Questions whose kind of answer product documents do not hold, however close their words are.

"Are term deposit rates going up next month?" retrieves the rate table and "how much did the QDII fund
make last year?" the fund's fact sheet: similar passages, every term covered, so the answerability
model lets them through and the extractive answer quotes today's rate or the fee. But no rate table
says where rates are heading, and a fact sheet that gives a benchmark does not give last year's return.
The question asks for a kind of statement (a forecast, an actual past return); unless a kept passage
makes one, the honest answer is "the documents don't say".
"""

from __future__ import annotations

import re

from assistant.domain import RetrievedChunk

_FLAGS = re.IGNORECASE

# What moves with the market: a rate, a price, an index, a currency, a return.
_MARKET = (
    r"(rates?|LPR|prices?|gold|silver|oil|stocks?|shares?|equities|markets?|index|dollar|euro|yen|yuan|RMB|"
    r"CNY|USD|exchange|yields?|returns?|NAV|house prices|property|"
    r"利率|利息|LPR|金价|黄金|白银|油价|股票|股市|股价|大盘|指数|基金|净值|淨值|收益|汇率|匯率|房价|房價|"
    r"美元|美金|人民币|人民幣|港币|港幣|欧元|歐元|日元|英镑|英鎊)"
)
_MOVES_EN = (
    r"(go(es|ing)? (up|down)|rise|rising|fall|falling|drop|dropping|increase|decrease|come down|climb|"
    r"be (cut|raised|lowered|higher|lower)|get (cheaper|better|worse|higher|lower)|crash|recover|rebound)"
)
_FUTURE_EN = (
    r"(next (week|month|quarter|year)|later this year|this (coming )?(year|month)|in the (coming|next)|"
    r"soon|in (the )?future|going to|will (ever|again|further|continue|keep)|expect|likely|anytime soon)"
)
# A rise or a fall; not 降级 / 降额 (a card downgraded, a limit cut) nor 升级 (an upgrade).
_MOVES_ZH = (
    r"(涨|漲|降(?![级級额額])|跌|上调|上調|下调|下調|上升|升值|贬值|貶值|回落|反弹|反彈|加息|减息|減息|降息|"
    r"便宜|贵|貴)"
)
# "If the LPR falls, does my mortgage rate change at once?" and "I'll deposit 1,000 more, will the rate
# go up?" ask how the product works, not for a forecast.
_CONDITION = (
    r"(\b(if|once|when|whenever|after|reach(es)?|exceeds?|go(es)? over|top up|deposit more|add)\b|"
    r"如果|要是|假如|假设|假設|一旦|的话|的話|之后|之後|再存|多存|存够|存夠|存满|存滿|存到|达到|達到|超过|超過)"
)
_FORECAST = re.compile(
    rf"\b(forecast|predict(ion)?s?|outlook|projection|prospects?)\b[^.?!]{{0,40}}{_MARKET}"
    rf"|{_MARKET}[^.?!]{{0,30}}\b(forecast|outlook|projection|prospects?)\b"
    rf"|\b{_MARKET}\b[^.?!]{{0,40}}\b{_MOVES_EN}\b[^.?!]{{0,30}}\b{_FUTURE_EN}\b"
    rf"|\b{_FUTURE_EN}\b[^.?!]{{0,40}}\b{_MARKET}\b[^.?!]{{0,30}}\b{_MOVES_EN}\b"
    r"|(明年|下个月|下個月|下月|下周|下週|下季度|年底|年内|年內|以后|以後|将来|將來|未来|未來|今后|今後|近期|短期内|短期內)"
    rf"[^。？！?!]{{0,20}}{_MARKET}[^。？！?!]{{0,12}}{_MOVES_ZH}"
    rf"|{_MARKET}[^。？！?!]{{0,12}}(会不会|會不會|还会|還會|会再|會再|还能|還能)(再)?{_MOVES_ZH}"
    rf"|{_MARKET}[^。？！?!]{{0,12}}(走势|走勢|前景|预测|預測|怎么走|怎麼走|还能涨|還能漲)",
    _FLAGS,
)
# A statement of one: "rates are expected to", "we forecast", "预计", "展望".
_FORECAST_STATED = re.compile(
    r"\b(expected to|forecasts?|we predict|outlook|projected)\b|预计|預計|预期|預期|预测|預測|展望", _FLAGS
)

_PAST = r"(last|past|previous|prior) (year|quarter|month|period|term|cycle|12 months)"
_PAST_RETURN = re.compile(
    r"\b(historical|historic|actual|past|realised|realized) (returns?|performance|yields?)\b"
    r"|\btrack record\b|"
    rf"\b({_PAST})\b[^.?!]{{0,40}}\b(returns?|performance|yields?|earn(ed)?|gain(ed)?|perform(ed)?)\b"
    r"|\b(how much|what) did\b[^.?!]{0,40}\b(make|earn|return|gain|lose|pay|yield)\b"
    r"|\b(returns?|returned|yields?|yielded|performance|performed|earn(ed)?|gain(ed)?)\b[^.?!]{0,30}"
    rf"\b({_PAST})\b"
    r"|(去年|前年|上一期|上期|往期|历史|歷史|过去一年|過去一年|近一年|近三年|今年以来|今年以來|成立以来|成立以來)"
    r"[^。？！?!]{0,12}(赚|賺|收益|业绩|業績|涨|漲|回报|回報|亏|虧|表现|表現|实际|實際)"
    r"|实际收益|實際收益|实际年化|實際年化|历史业绩|歷史業績|过往业绩|過往業績",
    _FLAGS,
)
# A kept passage that reports one: a past period beside a percentage.
_PAST_RETURN_STATED = re.compile(
    r"\b(last year|in 20\d\d|past (year|12 months)|since launch|previous period|returned)\b"
    r"(?:[^.\n]|\.(?=\d)){0,60}\d%"
    r"|(去年|上一期|往期|近一年|过去一年|過去一年|成立以来|成立以來|20\d\d年)[^。\n]{0,30}\d%",
    _FLAGS,
)


def unanswerable_kind(question: str, passages: list[RetrievedChunk]) -> str | None:
    """Why no kept passage can answer, when the question asks for a forecast or an actual past
    return that none of them states; None otherwise."""
    texts = [hit.chunk.text for hit in passages]
    asks_forecast = _FORECAST.search(question) and not re.search(_CONDITION, question, _FLAGS)
    if asks_forecast and not any(_FORECAST_STATED.search(text) for text in texts):
        return "asks for a forecast no document makes"
    if _PAST_RETURN.search(question) and not any(_PAST_RETURN_STATED.search(text) for text in texts):
        return "asks for a past return no document reports"
    return None
