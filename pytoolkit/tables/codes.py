"""Core layer: budget classification codes (功能分类, 经济分类) and their names by year.

A row belongs to its parent by code prefix (类 3 digits, 款 5, 项 7; 经济分类 类 3, 款 5).
Names change between years (款 20805 行政事业单位离退休 in 2018, 行政事业单位养老支出 from 2019),
so a name is looked up for a year, never derived from the code alone (docs/rules.md §2).
"""

from __future__ import annotations

import re

# code -> name, or code -> ((first_year, name), ...) where the name changed (None: the code is
# no longer in the list from that year). Sources: 财政部 政府收支分类科目 of each year.
FUNCTION_CODES: dict[str, str | tuple[tuple[int, str], ...]] = {
    "201": "一般公共服务支出",
    "20101": "人大事务",
    "20103": "政府办公厅(室)及相关机构事务",
    "2010301": "行政运行",
    "2010302": "一般行政管理事务",
    "2010303": "机关服务",
    "2010306": "政务公开审批",
    "2010350": "事业运行",
    "2010399": "其他政府办公厅(室)及相关机构事务支出",
    "20107": "税收事务",
    "2010799": "其他税收事务支出",
    "20136": "其他共产党事务支出",
    "2013699": "其他共产党事务支出",
    "202": "外交支出",
    "203": "国防支出",
    "204": "公共安全支出",
    "205": "教育支出",
    "206": "科学技术支出",
    "207": ((2018, "文化体育与传媒支出"), (2019, "文化旅游体育与传媒支出")),
    "208": "社会保障和就业支出",
    "20805": ((2018, "行政事业单位离退休"), (2019, "行政事业单位养老支出")),
    "2080501": ((2018, "归口管理的行政单位离退休"), (2019, "行政单位离退休")),
    "2080502": ((2018, "事业单位离退休"), (2019, "事业单位离退休")),
    "2080505": "机关事业单位基本养老保险缴费支出",
    "2080506": "机关事业单位职业年金缴费支出",
    "2080599": ((2018, "其他行政事业单位离退休支出"), (2019, "其他行政事业单位养老支出")),
    "210": ((2018, "医疗卫生与计划生育支出"), (2019, "卫生健康支出")),
    "21011": "行政事业单位医疗",
    "2101101": "行政单位医疗",
    "2101102": "事业单位医疗",
    "211": "节能环保支出",
    "212": "城乡社区支出",
    "21208": ((2018, "国有土地使用权出让收入安排的支出"),
              (2020, "国有土地使用权出让收入及对应专项债务收入安排的支出")),
    "2120804": "农村基础设施建设支出",
    "213": "农林水支出",
    "214": "交通运输支出",
    "215": ((2018, "资源勘探信息等支出"), (2019, "资源勘探工业信息等支出")),
    "216": "商业服务业等支出",
    "217": "金融支出",
    "219": "援助其他地区支出",
    "220": ((2018, "国土海洋气象等支出"), (2019, "自然资源海洋气象等支出")),
    "221": "住房保障支出",
    "22102": "住房改革支出",
    "2210201": "住房公积金",
    "2210203": "购房补贴",
    "222": ((2018, "粮油物资储备支出"), (2019, "粮油物资储备支出")),
    "223": "国有资本经营预算支出",
    "224": ((2019, "灾害防治及应急管理支出"),),
    "227": "预备费",
    "229": "其他支出",
    "230": "转移性支出",
    "231": "债务还本支出",
    "232": "债务付息支出",
    "233": "债务发行费用支出",
    # 抗疫特别国债 (2020): the class holds money in the books of 2020 to 2025; gone after.
    "234": ((2020, "抗疫特别国债安排的支出"), (2026, None)),
}

ECONOMIC_CODES: dict[str, str] = {
    "301": "工资福利支出",
    "30101": "基本工资",
    "30102": "津贴补贴",
    "30103": "奖金",
    "30107": "绩效工资",
    "30108": "机关事业单位基本养老保险缴费",
    "30109": "职业年金缴费",
    "30110": "职工基本医疗保险缴费",
    "30112": "其他社会保障缴费",
    "30113": "住房公积金",
    "30199": "其他工资福利支出",
    "302": "商品和服务支出",
    "30201": "办公费",
    "30202": "印刷费",
    "30205": "水费",
    "30206": "电费",
    "30207": "邮电费",
    "30209": "物业管理费",
    "30211": "差旅费",
    "30212": "因公出国(境)费用",
    "30213": "维修(护)费",
    "30215": "会议费",
    "30216": "培训费",
    "30217": "公务接待费",
    "30228": "工会经费",
    "30229": "福利费",
    "30231": "公务用车运行维护费",
    "30239": "其他交通费用",
    "30299": "其他商品和服务支出",
    "303": "对个人和家庭的补助",
    "30302": "退休费",
    "30305": "生活补助",
    "30307": "医疗费补助",
    "30309": "奖励金",
    "30399": "其他对个人和家庭的补助",
    "310": "资本性支出",
    "31002": "办公设备购置",
    "31003": "专用设备购置",
    "31007": "信息网络及软件购置更新",
    "31013": "公务用车购置",
    "31099": "其他资本性支出",
}

# 财政部 编制说明: 人员经费 = 工资福利支出 + 对个人和家庭的补助; 公用经费 = 商品和服务支出 +
# 资本性支出 (and any other class a province lists under 公用).
PERSONNEL_CLASSES = ("301", "303")
PUBLIC_USE_CLASSES = ("302", "310")

# 三公 items in T6 and the T7 column each is bounded by (docs/rules.md §3: T6 item ≤ T7 决算).
SANGONG_ECONOMIC = {
    "30212": "因公出国(境)费",
    "30217": "公务接待费",
    "30231": "公务用车运行维护费",
    "31013": "公务用车购置费",
}

# The first year the lists above describe; a name given “from 2018” is also that of the years before.
FIRST_LISTED_YEAR = 2018

_CODE = re.compile(r"^\d{3}(\d{2}){0,2}$")


def function_name(code: str, year: int) -> str | None:
    """The 功能分类 name of ``code`` in ``year`` (None when the list does not know it)."""
    entry = FUNCTION_CODES.get(code)
    if entry is None or isinstance(entry, str):
        return entry
    name = None
    for first_year, candidate in entry:
        if year >= first_year:
            name = candidate
    if name is None and year < FIRST_LISTED_YEAR and entry[0][0] == FIRST_LISTED_YEAR:
        name = entry[0][1]  # the list starts with 2018's names: a book of an earlier year takes them
    return name


def classes(year: int | None) -> dict[str, str]:
    """The 功能分类 类 of ``year``'s edition: code → name (every class ever listed when the year is
    unknown, with its latest name)."""
    out = {}
    for code, entry in FUNCTION_CODES.items():
        if len(code) != 3:
            continue
        if isinstance(entry, str):
            out[code] = entry
            continue
        name = function_name(code, year) if year is not None else next(
            (n for _, n in reversed(entry) if n), None)
        if name:
            out[code] = name
    return out


def all_names(code: str) -> tuple[str, ...]:
    """Every name ``code`` has had (in order of the years)."""
    entry = FUNCTION_CODES.get(code)
    if entry is None:
        return ()
    return (entry,) if isinstance(entry, str) else tuple(dict.fromkeys(n for _, n in entry if n))


def class_names() -> dict[str, str]:
    """Every name a 功能分类 类 has had → its code (forms name classes without codes: T1, T4)."""
    out = {}
    for code, entry in FUNCTION_CODES.items():
        if len(code) == 3:
            for name in (entry,) if isinstance(entry, str) else (n for _, n in entry if n):
                out[name] = code
    return out


def code_for_class_name(name: str) -> str | None:
    """The 3-digit 功能分类 类 code whose name (in any year) is ``name``."""
    return _CLASS_NAMES.get(name)


_CLASS_NAMES = class_names()


def is_code(text: str) -> bool:
    return bool(_CODE.match(text))


def level(code: str) -> int:
    """1 for 类 (3 digits), 2 for 款 (5), 3 for 项 (7)."""
    return {3: 1, 5: 2, 7: 3}[len(code)]


def parent(code: str) -> str | None:
    return code[:-2] if len(code) > 3 else None
