"""Core layer (data): the finding ids that are not rules of a pack, with their Chinese texts.

Every id a check can emit is registered once, in ``pytoolkit.findings``: the rules of the built-in
packs register from their YAML (``rules/packs/*.yaml``: ``id``, ``title``, ``severity``), the ids
below from this table. An id is stable: it is never reused for another meaning; a retired id stays
listed with its explanation saying so rather than being given to a new check.

Each entry: (id, severity, Chinese title, one-line Chinese explanation). The severity is the one
the id is normally emitted with; a few ids are emitted at a lower severity in a named case (a
difference within the rounding bound is a 尾差 and becomes ``info``; a narrative figure that may be
a rounding is ``warning``), which the explanation says.

Adding an id: add a line here in its family (or a rule to a pack), and the test
``tests/test_registry.py`` checks that every id the code emits is registered.
"""

from __future__ import annotations

# (id, severity, title, explanation)
FIXED_IDS: tuple[tuple[str, str, str, str], ...] = (
    # -- read: the workbook as a file, and the values of its cells ------------------------------
    ("read.unusable", "error", "文件无法使用",
     "文件不存在、不是工作簿、已加密、已损坏或是空的，无法读取；该文件未参与校验或汇总（退出码2）。"),
    ("read.open_in_excel", "info", "工作簿正在Excel中打开",
     "旁边有Excel的临时锁定文件（~$开头）：校验的是最近一次保存的内容，未保存的修改不在其中。"),
    ("read.uncalculated_formula", "error", "公式没有计算结果",
     "公式单元格没有缓存的计算结果（文件由程序生成、从未在Excel中打开），其值未知，不按0处理。"),
    ("read.computed_formula", "info", "公式结果由本工具算出",
     "公式没有保存计算结果（文件由程序生成或填写），但都是求和、加减或百分比：已按公式算出后再校验。"),
    ("read.excel_error", "error", "单元格是Excel错误值",
     "金额单元格的值是#DIV/0!、#REF!等错误值，应先修正公式。"),
    ("read.bad_number", "error", "无法识别的数值",
     "金额单元格中的文字不能读成数字，该单元格按空白处理。"),
    ("read.text_number", "warning", "金额以文本形式存储",
     "金额是文本格式的数字：已按数字读取和校验，但Excel的求和公式会忽略文本。"),
    # -- recognise: the standard tables in the sheets --------------------------------------------
    ("recognise.no_table", "error", "没有找到标准决算表",
     "按表名和表头没有识别出任何公开表或绩效自评表。"),
    ("recognise.failed", "error", "表格识别失败",
     "找到了表名，但读取表格时出错；该表未参与校验。"),
    ("recognise.unrecognised", "error", "表头无法识别",
     "找到了表名，但找不到科目/项目列或金额列；该表未参与校验。"),
    ("recognise.unknown_sheet", "warning", "工作表未识别为标准表",
     "工作表含有数值，但没有标准表的表名，未参与校验。"),
    ("recognise.no_unit", "warning", "没有找到金额单位",
     "表上方没有“单位：万元/元”，按万元处理。"),
    ("recognise.unknown_column", "warning", "列无法对应到标准列",
     "表头的这一列不是该表的标准列（按表样和各地变体），未参与校验。"),
    ("recognise.missing_column", "warning", "缺少标准列",
     "表中没有找到该表的某些标准列，涉及这些列的勾稽关系无法校验。"),
    ("recognise.bad_code", "error", "科目编码格式不正确",
     "功能分类或经济分类科目编码应为3位类、5位款或7位项；该行未参与校验。"),
    ("recognise.unknown_row", "warning", "行无法对应到标准行",
     "无科目编码的行名不是该表的标准行（按表样和各地变体），未参与校验。"),
    ("recognise.duplicate_row", "error", "同一行出现两次",
     "同一科目编码或行名在一张表中出现两次，后一行未参与校验。"),
    ("recognise.merged_amount", "warning", "金额单元格被合并",
     "金额单元格被合并到左侧或上方的单元格里，合并后只保留左上角的值，其余按空白处理。"),
    # -- consolidate: 局机关 and 二级机构 → 汇总 ---------------------------------------------------
    ("consolidate.unit_unknown", "error", "看不出工作表属于哪个单位",
     "按单位分工作表的工作簿中，工作表名没有单位名（如“局机关”“二级机构1”），未参与汇总。"),
    ("consolidate.summary_sheet_ignored", "info", "已有的汇总表未参与汇总",
     "输入中已有的汇总工作表不作为单位计入，汇总数由各单位重新计算。"),
    ("consolidate.duplicate_table", "warning", "单位有两张同一种表",
     "同一单位有两张同一种标准表，汇总只取第一张。"),
    ("consolidate.project_forms", "info", "项目支出绩效自评表不参与汇总",
     "项目支出绩效自评表按项目填报，各单位之间不相加。"),
    ("consolidate.no_tables", "error", "单位没有可汇总的表",
     "单位的工作簿中没有识别出可汇总的标准表，未参与汇总。"),
    ("consolidate.form_rows_capped", "info", "绩效自评表单位行已合并",
     "汇总的整体支出绩效自评表逐行列示的单位数有上限，其余单位合并为“其他单位”一行，汇总行不受影响。"),
    ("consolidate.no_units", "error", "没有可汇总的单位",
     "所有输入都无法使用或没有可汇总的表。"),
    ("consolidate.year_mismatch", "error", "单位年度不一致",
     "某单位的年度与其他单位不同；已计入汇总，请核对是否给错了文件。"),
    ("consolidate.missing_table", "warning", "单位缺少其他单位都有的表",
     "该表的汇总数不含这个单位。"),
    ("consolidate.duplicate_unit", "warning", "单位名称重复",
     "同一单位名称出现多次，已分别计入汇总，请确认不是重复提供。"),
    ("consolidate.parent_guessed", "warning", "未能识别局机关（本级）",
     "抵销内部往来时需要上级单位；名称中没有“机关”“本级”时取第一个单位，可用 --parent 指定。"),
    ("consolidate.elimination_mismatch", "warning", "内部往来不对等，未抵销",
     "上级的对附属单位补助支出与下级的上级补助收入（或上缴上级支出与附属单位上缴收入）不相等，未抵销。"),
    ("consolidate.duplicate_input", "warning", "文件重复给出",
     "同一文件在输入中出现多次，只汇总一次。"),
    ("consolidate.row_not_rendered", "warning", "汇总行未列入标准表",
     "无科目编码、又不是标准行的行不列入汇总表，其数字见“分户明细”。"),
    ("consolidate.render_failed", "error", "汇总表无法按标准表样写出",
     "汇总的表无法按标准表样写出，其数字见“分户明细”。"),
    # -- output: files the toolkit writes ---------------------------------------------------------
    ("output.annotate_failed", "error", "标注副本无法写出",
     "校验已完成，但标注副本无法写出（如输出文件被占用或与输入相同）；退出码2。"),
    # -- narrative: the 情况说明 text, within itself and against the tables ------------------------
    ("N.sum", "error", "分项之和应等于所述总数",
     "文中“其中…”或列举的各分项之和应等于所述总数；可能是四舍五入造成的差异为核实。"),
    ("N.share", "error", "占比应与所述金额相符",
     "按文中金额计算的占比（四舍五入保留两位）应与所述百分比一致。"),
    ("N.share_total", "error", "同一总体的各项占比之和应为100%",
     "同一总体的各项占比相加应为100%（允许各项四舍五入的尾差）。"),
    ("N.completion", "error", "完成预算百分比应与所述预算数、决算数相符",
     "完成年初预算的百分比 = 决算数 ÷ 年初预算数 × 100%，四舍五入保留两位。"),
    ("N.completion_word", "error", "完成预算百分比应与“决算数大于/小于/等于年初预算数”一致",
     "完成率大于100%时应写“大于”，小于100%时应写“小于”。"),
    ("N.change", "error", "增减额、增减率应与所述金额相符",
     "增减额 = 本年数减上年数；增减率 = 增减额 ÷ 上年数 × 100%，四舍五入保留两位。"),
    ("N.direction", "error", "增减方向的用词应一致",
     "“增加/减少”“增长/下降”应与金额的增减方向一致；原因说明中方向不一致为核实。"),
    ("N.zero_base", "error", "预算或上年数为0时不应计算百分比",
     "基数为0时不能计算完成率或增减率，应写“无年初预算”等。"),
    ("N.truncated", "error", "百分比应四舍五入，不应截断",
     "所述百分比比四舍五入的结果少0.01，疑似直接截断。"),
    ("N.balance", "error", "收入总计应等于支出总计",
     "情况说明中所述收入总计与支出总计应相等。"),
    ("N.conflict", "error", "同一事项在不同位置的数字应一致",
     "同一金额或百分比在文中多处出现时应一致；用词不同的为核实。"),
    ("N.count", "error", "数量前后应一致",
     "团组数、人次、车辆数等在文中前后应一致，且为0个团组时不应有人次。"),
    ("N.label", "warning", "科目名称与类、款、项层级应一致",
     "文中“…类…款…项”的科目名称应与支出功能分类科目的层级一致。"),
    ("N.grade", "error", "评价等次应与得分一致",
     "评价等次应由综合得分得出（优≥90，良≥80，中≥60，差<60），且与绩效自评表一致。"),
    ("N.table.amount", "error", "金额应与公开表一致",
     "情况说明中的金额应与对应公开表中的数字一致。"),
    ("N.table.percent", "error", "百分比应与按公开表计算的结果一致",
     "情况说明中的完成率、占比应等于按公开表数字计算并四舍五入保留两位的结果。"),
    ("N.table.change", "error", "比上年增减应与公开表一致",
     "情况说明中的比上年增减额、增减率应与公开表的本年数和上年数一致。"),
    ("N.pe", "error", "应与整体支出绩效自评表一致",
     "情况说明或绩效自评报告中的数字应与整体支出绩效自评表一致。"),
    ("N.pp", "error", "应与项目支出绩效自评表一致",
     "项目支出绩效自评报告中的数字应与项目支出绩效自评表一致。"),
    ("N.crash", "error", "情况说明检查程序出错",
     "某项检查在运行中出错（程序缺陷），其余检查照常进行；请把文本提供给维护者。"),
)
