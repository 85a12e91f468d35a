"""Excel adapter layer: xlwings UDFs, ribbon entry points and the build of the add-in.

Only this package imports xlwings; the core (metrics, tables, rules, ...) never does.
"""

# The add-in's VBA declares xlwings64-<version>.dll, shipped only with that same xlwings version:
# the add-in, setup.cfg's pin and the user's installed xlwings must agree (build_addin checks).
XLWINGS_VERSION = "0.37.8"
