"""pytoolkit: 部门决算 checks, derived figures and consolidation for Excel and the command line."""

__version__ = "0.1.0"
