"""What the CLI sub-commands share: a container built from the environment."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.markup import escape

from helpline.bootstrap import Container, build
from helpline.domain.errors import HelplineError
from helpline.settings import Settings


@contextmanager
def container_from_env(console: Console, *, show_details: bool = False) -> Iterator[Container]:
    """A container from ``HELPLINE_*``; closed afterwards. A refused setting exits 2, a
    domain error inside the block prints ``error_id: message`` (and its details when
    ``show_details``) and exits 1."""
    try:
        settings = Settings()
        settings.check()
        container = build(settings)
    except HelplineError as error:
        console.print(f"[red]{escape(error.message)}[/red]")
        raise typer.Exit(2) from error
    try:
        yield container
    except HelplineError as error:
        details = f" {escape(str(error.details))}" if show_details and error.details else ""
        console.print(f"[red]{error.error_id}: {escape(error.message)}{details}[/red]")
        raise typer.Exit(1) from error
    finally:
        container.close()
