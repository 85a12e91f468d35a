"""The UDFs' registration metadata, as xlwings stores it on Windows (``f.__xlfunc__``).

On Linux ``@xw.func`` does nothing, so ``registration.registered_module`` runs xlwings' own
``xlwings.udfs.xlfunc/xlarg`` on a fresh copy of the module: the metadata checked here is the
metadata Excel's function wizard and the generated VBA get.
"""

from __future__ import annotations

import re

import pytest

from pytoolkit.excel import registration, udfs

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_udf_is_registered(registered_udfs):
    registered = registration.registrations(registered_udfs)
    assert set(registered) == {f.__name__ for f in udfs.UDFS}
    assert set(udfs.__all__) >= set(registered)


@pytest.mark.parametrize("name", [f.__name__ for f in udfs.UDFS])
def test_metadata_is_complete_and_chinese(registered_udfs, name):
    xlfunc = registration.registrations(registered_udfs)[name]
    assert xlfunc["name"] == name and re.fullmatch(r"pt_[a-z_]+", name)  # ASCII: the VBA is code page 1252
    assert xlfunc["category"] == udfs.CATEGORY == "决算工具"
    assert xlfunc["sub"] is False and xlfunc["async_mode"] is None and xlfunc["volatile"] is False
    description = registration.description(xlfunc)
    assert CJK.search(description) and len(description) <= 255
    assert "\n" not in description and "  " not in description
    for arg in xlfunc["args"]:
        # xlwings' default doc is "Positional argument N": every argument has its own Chinese help
        assert not arg["doc"].startswith("Positional argument"), arg["name"]
        assert CJK.search(arg["doc"]) and len(arg["doc"]) <= 255
        # xlwings fills its reserved ``caller`` (the calling cell) itself; the user types the others
        assert arg["vba"] is None or (arg["name"] == "caller" and arg["vba"] == "Nothing")
        assert not arg["vararg"]


@pytest.mark.parametrize("name", [f.__name__ for f in udfs.UDFS if f not in udfs.SPILLING])
def test_data_arguments_arrive_as_2d_lists_with_error_texts(registered_udfs, name):
    xlfunc = registration.registrations(registered_udfs)[name]
    for arg in xlfunc["args"]:
        if "optional" in arg:  # options such as 小数位数 are single values
            assert arg["options"] == {}
        else:
            assert arg["options"] == {"ndim": 2, "err_to_str": True}


def test_registration_leaves_no_trace(registered_udfs):
    import sys

    import xlwings

    assert not hasattr(udfs.pt_share, "__xlfunc__") or sys.platform == "win32"
    assert "xlwings.udfs" not in sys.modules or sys.platform == "win32"
    assert xlwings.func.__module__ == "xlwings" or sys.platform == "win32"


def test_registered_copy_computes_like_the_module(registered_udfs):
    assert registered_udfs.pt_completion_rate(846.77, 500.87) == udfs.pt_completion_rate(846.77, 500.87) == 169.06


def test_wrapper_vba_is_what_import_functions_writes(registered_udfs):
    vba = registration.wrapper_vba(registered_udfs)
    for f in udfs.UDFS:
        name = f.__name__
        assert re.search(rf"^Function {name}\(", vba, re.M)
        # add-ins pass ActiveWorkbook (xlwings' rule for .xlam), and the module is the UDF module
        assert f'{name} = XLPy.CallUDF("pytoolkit.excel.udfs", "{name}", Array(' in vba
        assert "ActiveWorkbook, Application.Caller)" in vba
    assert "Function pt_format_wan(amount, Optional places)" in vba
    assert "Function pt_grade(score, Optional full_form)" in vba


@pytest.mark.parametrize("name", [f.__name__ for f in udfs.SPILLING])
def test_spilling_udfs_take_the_caller_and_spill_a_frame_without_its_index(registered_udfs, name):
    xlfunc = registration.registrations(registered_udfs)[name]
    assert xlfunc["args"][-1]["name"] == "caller"
    assert xlfunc["ret"]["options"] == {"index": False, "header": True}
    typed = [a["name"] for a in xlfunc["args"] if a["name"] != "caller"]
    assert registration.argument_descriptions(xlfunc) == [a["doc"] for a in xlfunc["args"] if a["name"] in typed]
    vba = registration.wrapper_vba(registered_udfs)
    assert re.search(rf"^Function {name}\({', '.join(typed)}\)$", vba, re.M)  # Excel shows no caller argument
