"""Core layer (narrative): draft a 情况说明 from a recognised book, in the standard outline.

Every figure is computed by ``pytoolkit.metrics`` from the tables' exact values (amounts
``format_wan``, 完成率 ``describe_completion``, 增减 ``change(...).describe()``, 占比 ``share``,
等次 ``grade``), so the draft checks clean against the same book. What the tables cannot say —
the reasons for a change, what the spending bought — is left as a marked blank (``BLANK``) for
the accountant. Written atomically as .txt or .docx.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ..errors import InputError
from ..io.output import write_atomic
from ..metrics import change, completion_rate, describe_completion, format_percent, format_wan, grade, share
from ..model import Book, Table
from ..tables import codes
from ..tables.catalog import T1_INCOME_ROWS

BLANK = "【请填写原因】"
FILL = "【请填写】"

OUTLINE = (
    "收入支出决算总体情况说明",
    "收入决算情况说明",
    "支出决算情况说明",
    "财政拨款收入支出决算总体情况说明",
    "一般公共预算财政拨款支出决算情况说明",
    "一般公共预算财政拨款基本支出决算情况说明",
    "一般公共预算财政拨款“三公”经费支出决算情况说明",
    "政府性基金预算财政拨款收入支出决算情况说明",
    "预算绩效情况说明",
    "其他重要事项情况说明",
)
_ORDINALS = "一二三四五六七八九十"
_T3_PARTS = ("基本支出", "项目支出", "上缴上级支出", "经营支出", "对附属单位补助支出")
_SANGONG = (("因公出国(境)费", "因公出国(境)费"), ("公务用车购置及运行维护费", "公务用车购置及运行维护费"),
            ("公务接待费", "公务接待费"))


@dataclass
class Draft:
    title: str
    # (kind, text): kind "h1" section heading, "h2" sub-heading, "p" paragraph
    blocks: list[tuple[str, str]] = field(default_factory=list)

    def h1(self, i: int, text: str) -> None:
        self.blocks.append(("h1", f"{_ORDINALS[i]}、{text}"))

    def h2(self, text: str) -> None:
        self.blocks.append(("h2", text))

    def p(self, text: str) -> None:
        self.blocks.append(("p", text))

    def text(self) -> str:
        return "\n".join([self.title, *(t for _, t in self.blocks)]) + "\n"


def _v(t: Table | None, row: str, col: str) -> Decimal | None:
    if t is None:
        return None
    c = t.cell(row, col)
    return c.value if c is not None else None


def _nz(x: Decimal | None) -> bool:
    return x is not None and x != 0


def _class_name(code: str, year: int, fallback: str) -> str:
    return codes.function_name(code, year) or fallback


def draft(book: Book) -> Draft:
    """The standard outline of a 情况说明 with every figure from the book's tables."""
    year = book.year or 0
    unit = book.unit_name or "本单位"
    T = book.table
    d = Draft(f"{unit}{year}年度部门决算情况说明")
    t1, t3, t4, t5, t6, t7 = T("T1"), T("T3"), T("T4"), T("T5"), T("T6"), T("T7")

    # 一、收入支出决算总体情况
    d.h1(0, OUTLINE[0])
    income_total, spend_total = _v(t1, "收入总计", "决算数"), _v(t1, "支出总计", "决算数")
    parts = []
    if income_total is not None and spend_total is not None:
        parts.append(f"{year}年度收入总计{format_wan(income_total)}，支出总计{format_wan(spend_total)}。")
    for key in ("本年收入合计", "本年支出合计"):
        now, prev = _v(t1, key, "决算数"), _v(t1, key, "上年决算数")
        if now is None:
            continue
        text = f"{key}{format_wan(now)}"
        if prev is not None:
            c = change(now, prev)
            text += f"，{c.describe()}"
            if c.direction != "持平":
                text += f"，主要原因是{BLANK}"
        parts.append(text + "。")
    d.p("".join(parts) or FILL)

    # 二、收入决算情况
    d.h1(1, OUTLINE[1])
    income = _v(t1, "本年收入合计", "决算数")
    if income is not None:
        rows = [(r, _v(t1, r, "决算数")) for r in T1_INCOME_ROWS]
        rows = [(r, v) for r, v in rows if _nz(v)]
        listed = "；".join(f"{r}{format_wan(v)}，占{format_percent(share(v, income))}" for r, v in rows)
        d.p(f"本年收入合计{format_wan(income)}" + (f"，其中：{listed}。" if listed else "。"))

    # 三、支出决算情况
    d.h1(2, OUTLINE[2])
    spend = _v(t3, "合计", "本年支出合计")
    if spend is not None:
        rows = [(c, _v(t3, "合计", c)) for c in _T3_PARTS]
        rows = [(c, v) for c, v in rows if _nz(v)]
        listed = "；".join(f"{c}{format_wan(v)}，占{format_percent(share(v, spend))}" for c, v in rows)
        d.p(f"本年支出合计{format_wan(spend)}" + (f"，其中：{listed}。" if listed else "。")
            + f"基本支出用于保障机构正常运转，项目支出主要用于{FILL}。")

    # 四、财政拨款收入支出决算总体情况
    d.h1(3, OUTLINE[3])
    fin_in, fin_out = _v(t4, "收入总计", "金额"), _v(t4, "支出总计", "合计")
    if fin_in is not None and fin_out is not None:
        text = f"{year}年度财政拨款收入总计{format_wan(fin_in)}，支出总计{format_wan(fin_out)}。"
        now = _v(t4, "本年收入合计", "金额")
        if now is not None:
            text += f"本年财政拨款收入{format_wan(now)}，本年财政拨款支出{format_wan(_v(t4, '本年支出合计', '合计'))}。"
        d.p(text)

    # 五、一般公共预算财政拨款支出
    d.h1(4, OUTLINE[4])
    gpb = _v(t5, "合计", "合计")
    if gpb is not None:
        d.h2("（一）一般公共预算财政拨款支出决算总体情况")
        total_spend = _v(t1, "本年支出合计", "决算数")
        text = f"{year}年度一般公共预算财政拨款支出{format_wan(gpb)}"
        if _nz(total_spend):
            text += f"，占本年支出合计的{format_percent(share(gpb, total_spend))}"
        d.p(text + "。")
        d.h2("（二）一般公共预算财政拨款支出决算结构情况")
        classes = [r for r in t5.coded_rows() if codes.level(r.code) == 1 and _nz(_v(t5, r.key, "合计"))]
        listed = "；".join(
            f"{_class_name(r.code, year, r.label)}{format_wan(_v(t5, r.key, '合计'))}，"
            f"占{format_percent(share(_v(t5, r.key, '合计'), gpb))}" for r in classes)
        d.p(f"一般公共预算财政拨款支出{format_wan(gpb)}，主要用于以下方面：{listed}。" if listed else FILL)
        d.h2("（三）一般公共预算财政拨款支出决算具体情况")
        budget = _v(t5, "合计", "年初预算数")
        d.p(_budget_phrase("一般公共预算财政拨款支出", budget, gpb) + "，其中：")
        n = 0
        for r in t5.coded_rows():
            if codes.level(r.code) != 3:
                continue
            actual, b = _v(t5, r.key, "合计"), _v(t5, r.key, "年初预算数")
            if not _nz(actual) and not _nz(b):
                continue
            n += 1
            names = "".join(
                f"{_class_name(code, year, r.label)}({lv})"
                for code, lv in ((r.code[:3], "类"), (r.code[:5], "款"), (r.code, "项")))
            d.p(f"{n}、{names}")
            text = _budget_phrase("", b, actual)
            rate = completion_rate(actual, b)
            if rate is not None and (actual or 0) != b:
                word = "大于" if (actual or 0) > b else "小于"
                text += f"，决算数{word}年初预算数的主要原因是{BLANK}"
            elif rate is None:
                text += f"，年中追加的原因是{BLANK}"
            d.p(text + "。")

    # 六、一般公共预算财政拨款基本支出
    d.h1(5, OUTLINE[5])
    basic = _v(t5, "合计", "基本支出")
    personnel, public = _v(t6, "人员经费合计", "决算数"), _v(t6, "公用经费合计", "决算数")
    if basic is not None:
        text = f"{year}年度一般公共预算财政拨款基本支出{format_wan(basic)}"
        items = []
        for name, v in (("人员经费", personnel), ("公用经费", public)):
            if v is not None and _nz(basic):
                items.append(f"{name}{format_wan(v)}，占基本支出的{format_percent(share(v, basic))}，主要包括：{FILL}")
        d.p(text + ("，其中：" + "；".join(items) if items else "") + "。")

    # 七、三公
    d.h1(6, OUTLINE[6])
    if t7 is not None:
        d.h2("（一）“三公”经费财政拨款支出决算总体情况")
        actual, budget, prev = _v(t7, "决算数", "合计"), _v(t7, "预算数", "合计"), _v(t7, "上年决算数", "合计")
        text = "“三公”经费财政拨款支出" + _budget_phrase("", budget, actual)
        if prev is not None:
            c = change(actual or 0, prev)
            text += f"，{c.describe()}"
        d.p(text + "，其中：")
        for label, col in _SANGONG:
            a, b = _v(t7, "决算数", col), _v(t7, "预算数", col)
            line = f"{label}支出" + _budget_phrase("", b, a)
            p = _v(t7, "上年决算数", col)
            if p is not None:
                c = change(a or 0, p)
                line += f"，{c.describe()}"
                if c.direction != "持平":
                    line += f"，{c.direction}的主要原因是{BLANK}"
            d.p(line + "。")
        d.h2("（二）“三公”经费财政拨款支出决算具体情况")
        car_buy, car_run = _v(t7, "决算数", "公务用车购置费"), _v(t7, "决算数", "公务用车运行维护费")
        car = _v(t7, "决算数", "公务用车购置及运行维护费")
        d.p(f"公务用车购置及运行维护费支出决算{format_wan(car)}，其中：公务用车购置费"
            f"{format_wan(car_buy)}，公务用车运行维护费{format_wan(car_run)}；公务用车保有量{FILL}辆。"
            f"全年因公出国(境)团组{FILL}个、{FILL}人次；公务接待{FILL}批次、{FILL}人次。")

    # 八、政府性基金（and 国有资本经营预算, 2019 edition)
    d.h1(7, OUTLINE[7])
    for tid, what in (("T8", "政府性基金预算财政拨款"), ("T9", "国有资本经营预算财政拨款")):
        t = T(tid)
        if t is None:
            continue
        income_, spend_ = _v(t, "合计", "本年收入"), _v(t, "合计", "本年支出合计")
        if not _nz(income_) and not _nz(spend_) and not _nz(_v(t, "合计", "年初结转和结余")):
            d.p(f"本单位{year}年度无{what}收入支出。")
        else:
            d.p(f"{year}年度{what}年初结转和结余{format_wan(_v(t, '合计', '年初结转和结余'))}，本年收入"
                f"{format_wan(income_)}，本年支出{format_wan(spend_)}，年末结转和结余"
                f"{format_wan(_v(t, '合计', '年末结转和结余'))}。")

    # 九、绩效
    d.h1(8, OUTLINE[8])
    wrote = False
    for t in book.all("PE"):
        score = t.fields.get("绩效自评综合得分")
        if score is not None and getattr(score, "value", None) is not None:
            d.p(f"本单位开展了整体支出绩效自评，整体支出绩效自评综合得分{score.value}分，评价等次为{grade(score.value).long}。"
                f"主要成效：{FILL}。")
            wrote = True
    for t in book.all("PP"):
        score = t.fields.get("绩效自评综合得分")
        name = t.fields.get("项目名称")
        name_text = getattr(name, "raw", None) or FILL
        spent = _v(t, "合计", "实际支出")
        text = f"项目“{name_text}”"
        if spent is not None:
            text += f"实际支出{format_wan(spent)}"
        if score is not None and getattr(score, "value", None) is not None:
            text += f"，项目支出绩效自评综合得分{score.value}分，评价等次为{grade(score.value).long}"
        d.p(text + "。")
        wrote = True
    if not wrote:
        d.p(f"本单位组织对{year}年度项目支出开展绩效自评，{FILL}。")

    # 十、其他重要事项
    d.h1(9, OUTLINE[9])
    d.p(f"（一）机关运行经费支出情况。{FILL}")
    d.p(f"（二）政府采购支出情况。{FILL}")
    d.p(f"（三）国有资产占用情况。{FILL}")
    return d


def _budget_phrase(subject: str, budget: Decimal | None, actual: Decimal | None) -> str:
    """“…年初预算为X万元，支出决算为Y万元，完成年初预算的Z%” (or 无年初预算), via metrics."""
    # The comparison word (决算数大于…) goes with the reason blank, written by the caller.
    phrase = describe_completion(actual, budget).split("，决算数")[0]
    head = f"{subject}年初预算为{format_wan(budget or 0)}，支出决算为{format_wan(actual or 0)}"
    return f"{head}，{phrase}"


def write_draft(book: Book, out: str | Path) -> Path:
    """Write the draft to ``out`` (.txt or .docx), atomically; InputError for other suffixes."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".txt", ".docx"):
        raise InputError(f"{out.name}：输出文件应为 .txt 或 .docx。")
    d = draft(book)
    if suffix == ".txt":
        write_atomic(out, lambda p: p.write_text(d.text(), encoding="utf-8"))
    else:
        write_atomic(out, lambda p: _write_docx(d, p))
    return out


def _write_docx(d: Draft, path: Path) -> None:
    import docx

    doc = docx.Document()
    doc.add_heading(d.title, level=0)
    for kind, text in d.blocks:
        if kind == "h1":
            doc.add_heading(text, level=1)
        elif kind == "h2":
            doc.add_heading(text, level=2)
        else:
            doc.add_paragraph(text)
    doc.save(str(path))
