"""Core layer: what each output sheet shows, as plain grids (``render.grid``).

One design per sheet, whichever channel shows it: ``io.paint`` paints a grid into a workbook file
(openpyxl), ``excel.workbook.paint`` into the open workbook (xlwings). The designs:

- ``tables``: the standard tables (T1–T9, 绩效自评表) in the official layout, and ``table_model``
  (the core's Table of a table laid out here: what the recogniser would read back);
- ``summary``: the 汇总 tables of a consolidation;
- ``results``: 校验结果, and the fill and note that mark a failing cell;
- ``budget``: 预算与决算 (with charts);
- ``consolidation``: 汇总说明, 分户明细, 分户主要指标, 分户对比图;
- ``sheets``: the ribbon's 派生数, 情况说明核对, 情况说明(初稿);
- ``look``: the report sheets' shared styles and print setup.

To add a sheet: a function here returning ``Grid(name, toolkit=True)`` built from core data,
with its title merged across the table, ``grid.page`` set (``look.report_page``) and
``grid.fit_rows()`` called last; then paint it from the command (``io.paint.add_sheet``) and the
ribbon (``excel.workbook.paint``), and add it to the LibreOffice printing test. The repository's
``docs/render.md`` walks through it.
"""
