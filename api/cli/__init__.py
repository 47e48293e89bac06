"""The ``wangge`` command: one argparse program and its subcommand modules."""
