"""The ``dateline`` subcommands, one module each; each exposes ``register(commands)``."""
