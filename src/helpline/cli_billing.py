"""``helpline billing …``: the nightly charge, top-ups, balances and tariffs."""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from datetime import date
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

from helpline.bootstrap import Container
from helpline.cli_support import container_from_env
from helpline.domain.billing import format_minor

billing_app = typer.Typer(help="Subscribers' billing: nightly charges, top-ups, balances.",
                          no_args_is_help=True)
console = Console(soft_wrap=True)


def _container() -> AbstractContextManager[Container]:
    return container_from_env(console, show_details=True)


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise typer.BadParameter(f"expected YYYY-MM-DD, got {value!r}") from error


@billing_app.command("run-charges")
def run_charges(date_: Annotated[str, typer.Option("--date", help="YYYY-MM-DD")]) -> None:
    """Charge every line due on DATE (idempotent: a second run charges nothing twice)."""
    from helpline.services import billing

    on = _day(date_)
    with _container() as container, Progress(console=console, transient=True) as progress:
        task = progress.add_task(f"charging {on}", total=None)

        def report(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        run = billing.run_charges(container.ctx, on, progress=report)
    console.print(f"{on}: {run.lines} lines, charged {format_minor(run.charged_minor)}")
    for outcome, count in sorted(run.outcomes.items()):
        console.print(f"  {outcome.value:<22} {count}")
    for msisdn, error_id in sorted(run.failed.items()):
        console.print(f"  [red]failed {msisdn}: {error_id}[/red]")
    if run.failed:
        raise typer.Exit(1)


@billing_app.command("top-up")
def top_up(msisdn: Annotated[str, typer.Option()],
           amount: Annotated[str, typer.Option(help="rubles, e.g. 150 or 150.50")],
           key: Annotated[str, typer.Option(help="idempotency key (payment id)")]) -> None:
    """Add money to a line; repeating the same KEY adds nothing."""
    from helpline.services import billing

    amount_minor = _minor(amount)
    with _container() as container:
        posted = billing.top_up(container.ctx, msisdn, amount_minor, idempotency_key=key)
    note = " (already done: nothing added)" if posted.replayed else ""
    console.print(f"{posted.msisdn}: +{format_minor(posted.entry.amount_minor)}, "
                  f"money {format_minor(posted.money_minor)}{note}")


def _minor(amount: str) -> int:
    whole, _, frac = amount.strip().partition(".")
    if not whole.isdigit() or len(frac) > 2 or (frac and not frac.isdigit()):
        raise typer.BadParameter(f"amount must look like 150 or 150.50, got {amount!r}")
    value = int(whole) * 100 + int(frac.ljust(2, "0") or 0)
    if value <= 0:
        raise typer.BadParameter("amount must be greater than zero")
    return value


@billing_app.command("balance")
def balance(msisdn: Annotated[str, typer.Option()],
            as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Money and package remainders of a line."""
    from helpline.services import billing

    with _container() as container:
        view = billing.balances(container.ctx, msisdn)
    if as_json:
        console.print(json.dumps({
            "msisdn": view.msisdn, "money_minor": view.money_minor,
            "tariff": view.tariff_code, "status": view.status,
            "billing_mode": view.billing_mode,
            "next_charge_date": view.next_charge_date.isoformat(),
            "packages": [{"unit": p.unit.value, "source": p.source.value, "amount": p.amount,
                          "expires_on": p.expires_on.isoformat()} for p in view.packages],
        }, ensure_ascii=False))
        return
    blocked = f" ({view.block_reason})" if view.block_reason else ""
    console.print(f"{view.msisdn}  {view.tariff_name}  {view.status}{blocked}  "
                  f"{view.billing_mode}, next charge {view.next_charge_date}")
    console.print(f"  money {format_minor(view.money_minor)}")
    for p in view.packages:
        console.print(f"  {p.unit.value:<8} {p.amount:>7}  {p.source.value:<15} "
                      f"until {p.expires_on}")


@billing_app.command("tariffs")
def tariffs() -> None:
    """Every tariff: fee, package and whether "renew package" is available."""
    from helpline.services import provisioning

    with _container() as container:
        found = provisioning.list_tariffs(container.ctx)
    for t in found:
        renew = "renew" if t.renew_package_available else "-"
        console.print(f"{t.code:<22} {t.name:<20} {format_minor(t.monthly_fee_minor):>9}/month "
                      f"{t.included_minutes:>5} min {t.included_sms:>5} sms "
                      f"{t.included_mb:>7} MB  {renew}")
