"""``helpline ussd`` and ``helpline sms``: try self-service as a subscriber would.

``helpline ussd --msisdn 79161234567 '*929#'`` prints each screen and reads the next input
from stdin until the session ENDs; ``--input 1 --input 1`` scripts the inputs instead.
``helpline sms --from 79161234567 --to 9290 --text ''`` prints the queued reply.
Both go through the same services as the gateway endpoints (same database).
"""

from __future__ import annotations

import uuid
from contextlib import AbstractContextManager
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from helpline.bootstrap import Container
from helpline.cli_support import container_from_env
from helpline.services.selfservice import (
    InboundSms,
    StoreSmsSender,
    UssdRequest,
    handle_sms,
    handle_ussd,
)

console = Console(soft_wrap=True)


def _container() -> AbstractContextManager[Container]:
    return container_from_env(console)


def ussd(
    code: Annotated[str, typer.Argument(help="USSD code, e.g. '*929#', '*100#', '*111#'")],
    msisdn: Annotated[str, typer.Option(help="the subscriber's number")],
    input_: Annotated[list[str] | None, typer.Option(
        "--input", help="scripted inputs, in order (repeatable); default: read stdin")] = None,
    lang: Annotated[str, typer.Option(help="ru, en or uk")] = "ru",
) -> None:
    """Run a USSD session: print each screen, send the next input, until END."""
    session_id = f"cli-{uuid.uuid4().hex}"
    scripted = list(input_) if input_ is not None else None
    inputs: list[str] = []
    with _container() as container:
        while True:
            reply = handle_ussd(container.ctx, UssdRequest(
                session_id=session_id, service_code=code, msisdn=msisdn, network_code="cli",
                inputs=list(inputs)), lang)
            console.print(("END " if reply.end else "CON ") + escape(reply.text))
            if reply.end:
                return
            if scripted is not None:
                if not scripted:
                    console.print("[yellow](no more scripted inputs; session left open)[/]")
                    return
                answer = scripted.pop(0)
                console.print(f"> {escape(answer)}")
            else:
                try:
                    answer = input("> ")
                except EOFError:
                    return
            inputs.append(answer)


def sms(
    from_: Annotated[str, typer.Option("--from", help="the subscriber's number")],
    to: Annotated[str, typer.Option(help="short number: 9290 renews, 100 balance")],
    text: Annotated[str, typer.Option(help="message text (any, empty too)")] = "",
    message_id: Annotated[str | None, typer.Option(help="default: a new id")] = None,
    lang: Annotated[str, typer.Option(help="ru, en or uk")] = "ru",
) -> None:
    """Deliver an inbound SMS and print the reply queued in sms_outbox."""
    with _container() as container:
        ctx = container.ctx
        reply = handle_sms(ctx, InboundSms(message_id or f"cli-{uuid.uuid4().hex}", from_, to,
                                           text), StoreSmsSender(ctx), lang)
    seen = " (duplicate message id)" if reply.duplicate else ""
    console.print(f"reply #{reply.outbox_id}{seen}: {escape(reply.text)}")


def register(app: typer.Typer) -> None:
    """Add ``ussd`` and ``sms`` to the main CLI."""
    app.command("ussd")(ussd)
    app.command("sms")(sms)
