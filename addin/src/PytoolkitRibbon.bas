Attribute VB_Name = "PytoolkitRibbon"
' Callbacks of the buttons in customUI.xml (the ribbon tab of the pytoolkit add-in).
' Each runs one entry point of pytoolkit.excel.ribbon on the active workbook through
' xlwings' RunPython; the Python side shows its messages itself.
' Keep this file ASCII: the VBA project is stored in code page 1252.
Option Explicit

Public Sub Validate(control As IRibbonControl)
    RunPython "import pytoolkit.excel.ribbon as r; r.validate()"
End Sub

Public Sub ClearMarks(control As IRibbonControl)
    RunPython "import pytoolkit.excel.ribbon as r; r.clear_marks()"
End Sub

Public Sub Consolidate(control As IRibbonControl)
    RunPython "import pytoolkit.excel.ribbon as r; r.consolidate()"
End Sub

Public Sub FillDerived(control As IRibbonControl)
    RunPython "import pytoolkit.excel.ribbon as r; r.fill_derived()"
End Sub

Public Sub NarrativeCheck(control As IRibbonControl)
    RunPython "import pytoolkit.excel.ribbon as r; r.narrative_check()"
End Sub

Public Sub NarrativeWrite(control As IRibbonControl)
    RunPython "import pytoolkit.excel.ribbon as r; r.narrative_write()"
End Sub

Public Sub ShowHelp(control As IRibbonControl)
    RunPython "import pytoolkit.excel.ribbon as r; r.help()"
End Sub
