"""Adapter: command-line subcommands beyond ``validate`` and ``demo``.

Each module here defines ``register(subparsers)``, adding its subcommand with Chinese help and a
``func(args) -> int`` returning the exit status (0 / 1 / 2, see ``pytoolkit.cli``). ``cli.COMMANDS``
lists the modules in the order their help appears.
"""
