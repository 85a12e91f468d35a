Attribute VB_Name = "PytoolkitRibbon"
' Callbacks of the buttons in customUI.xml (the ribbon tab of the pytoolkit add-in).
' Each runs one entry point of pytoolkit.excel.ribbon on the active workbook through
' xlwings' RunPython; the Python side shows its messages itself.
' Keep this file ASCII: the VBA project is stored in code page 1252.
Option Explicit

Public Sub Validate(control As IRibbonControl)
    RunPython "import pytoolkit.excel.ribbon as r; r.validate()"
End Sub

Public Sub ComparePrevious(control As IRibbonControl)
    ' Ask for last year's workbook, then check the active one against it. The path goes to
    ' Python as hex UTF-16 code units: any character of a Chinese path survives the command line.
    Dim path As Variant
    path = Application.GetOpenFilename("Excel (*.xlsx;*.xlsm;*.xls),*.xlsx;*.xlsm;*.xls", , PreviousTitle())
    If VarType(path) = vbBoolean Then Exit Sub
    RunPython "import pytoolkit.excel.ribbon as r; r.compare_previous('" & HexUtf16(CStr(path)) & "')"
End Sub

Private Function PreviousTitle() As String
    ' The dialog's title, in Chinese, spelled with ChrW so that this file stays ASCII.
    PreviousTitle = ChrW(&H9009) & ChrW(&H62E9) & ChrW(&H4E0A) & ChrW(&H5E74) & ChrW(&H7684) & _
        ChrW(&H51B3) & ChrW(&H7B97) & ChrW(&H5DE5) & ChrW(&H4F5C) & ChrW(&H7C3F)
End Function

Private Function HexUtf16(ByVal s As String) As String
    Dim i As Long, code As Long, out As String
    For i = 1 To Len(s)
        code = AscW(Mid$(s, i, 1)) And &HFFFF&
        out = out & Right$("000" & Hex$(code), 4)
    Next i
    HexUtf16 = out
End Function

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
