"""Command line: ``helpline serve | demo | db upgrade | users create | users token``."""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer
import uvicorn
from rich.console import Console

from helpline.bootstrap import build
from helpline.cli_billing import billing_app
from helpline.cli_qa import qa_app
from helpline.cli_selfservice import register as register_selfservice
from helpline.cli_wfm import wfm_app
from helpline.domain.agents import Role
from helpline.domain.channels import Channel
from helpline.domain.errors import HelplineError
from helpline.settings import Settings
from helpline.store import migrate

#: Pings keep idle chat sockets open through proxies; chat frames are small JSON, so
#: per-message compression costs more CPU than it saves bandwidth (measured: about a
#: tenth of the server's time in the fan-out benchmark).
_WEBSOCKET_OPTIONS: dict[str, Any] = {"ws_ping_interval": 20, "ws_per_message_deflate": False}

app = typer.Typer(help="Helpline contact center.", no_args_is_help=True)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
users_app = typer.Typer(help="Operators, supervisors and API tokens.", no_args_is_help=True)
app.add_typer(db_app, name="db")
queues_app = typer.Typer(help="Queues: skills, timeouts, escalation, hours.",
                         no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(queues_app, name="queues")
app.add_typer(billing_app, name="billing")
app.add_typer(wfm_app, name="wfm")
app.add_typer(qa_app, name="qa")
register_selfservice(app)
console = Console(soft_wrap=True)


def _settings() -> Settings:
    settings = Settings()
    try:
        settings.check()
    except HelplineError as error:
        console.print(f"[red]{error.message}[/red]")
        raise typer.Exit(2) from error
    return settings


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations to HELPLINE_DATABASE_URL."""
    container = build(_settings())
    migrate.upgrade(container.engine, revision)
    console.print(f"database at revision {revision}: {container.settings.database_url}")
    container.close()


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1,
          log_level: str = "info") -> None:
    """Serve the web app (run several processes on one PostgreSQL to scale out)."""
    settings = _settings()
    if workers > 1 and settings.database_url.startswith("sqlite"):
        console.print("[red]SQLite serves one process; use PostgreSQL for several workers[/red]")
        raise typer.Exit(2)
    uvicorn.run("helpline.web.app:app_from_env", factory=True, host=host, port=port,
                workers=workers, log_level=log_level, **_WEBSOCKET_OPTIONS)


@app.command()
def demo(host: str = "127.0.0.1", port: int = 8000,
         serve_app: Annotated[bool, typer.Option("--serve/--no-serve")] = True) -> None:
    """Migrate, seed demo data and serve, printing addresses and logins."""
    from helpline.services.demo_data import DEMO_PASSWORD, USERS, seed
    from helpline.services.keys import document_key

    os.environ["HELPLINE_DEMO"] = "1"
    container = build(Settings())
    migrate.upgrade(container.engine)
    seeded = seed(container.ctx,
                  document_key=document_key(container.settings.secret_key))
    container.close()
    base = f"http://{host}:{port}"
    console.print(f"[bold]Helpline demo[/bold] ({'seeded' if seeded else 'data already there'};"
                  f" database {container.settings.database_url})")
    console.print(f"  customer chat     {base}/chat")
    console.print(f"  agent desk        {base}/desk")
    console.print(f"  supervisor board  {base}/board")
    console.print(f"  API docs          {base}/docs")
    console.print(f"  logins (password [bold]{DEMO_PASSWORD}[/bold]):")
    for user in USERS:
        skills = ", ".join(f"{k} {v}" for k, v in user.skills.items()) or "-"
        console.print(f"    {user.username:<6} {user.role.value:<10} {user.name:<18} "
                      f"languages {'/'.join(user.languages):<9} skills {skills}")
    if serve_app:
        uvicorn.run("helpline.web.app:app_from_env", factory=True, host=host, port=port,
                    log_level="warning", **_WEBSOCKET_OPTIONS)


def _skills(values: list[str]) -> dict[str, int]:
    skills: dict[str, int] = {}
    for item in values:
        name, _, level = item.partition("=")
        if not name or not level.isdigit():
            raise typer.BadParameter(f"skill must look like mobile=80, got {item!r}")
        skills[name] = int(level)
    return skills


def _capacity(values: list[str]) -> dict[Channel, int]:
    slots: dict[Channel, int] = {}
    for item in values:
        name, _, count = item.partition("=")
        if name not in {c.value for c in Channel} or not count.isdigit():
            raise typer.BadParameter(f"capacity must look like chat=3, got {item!r}")
        slots[Channel(name)] = int(count)
    return slots


@users_app.command("create")
def users_create(
    username: str,
    name: Annotated[str, typer.Option(help="Display name")],
    role: Annotated[Role, typer.Option()] = Role.AGENT,
    skill: Annotated[list[str] | None, typer.Option(help="skill=level, repeatable")] = None,
    language: Annotated[list[str] | None, typer.Option(help="repeatable")] = None,
    ui_language: str = "ru",
    capacity: Annotated[list[str] | None, typer.Option(
        help="channel=slots, repeatable (defaults: call=1 chat=3 email=5)")] = None,
    shared_capacity: Annotated[bool, typer.Option(
        help="channels share one budget (a call fills the agent)")] = False,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True,
                                          confirmation_prompt=True)] = "",
) -> None:
    """Create an operator, supervisor, QA or admin account."""
    from helpline.services import accounts

    container = build(_settings())
    try:
        agent_id = accounts.create_user(
            container.ctx, username=username, password=password, display_name=name,
            role=role, skills=_skills(skill or []), languages=tuple(language or ["ru"]),
            ui_language=ui_language, capacity=_capacity(capacity or []),
            capacity_shared=shared_capacity)
    except HelplineError as error:
        console.print(f"[red]{error.error_id}: {error.message}[/red]")
        raise typer.Exit(1) from error
    finally:
        container.close()
    console.print(f"created {username} ({role.value}) id {agent_id}")


@users_app.command("token")
def users_token(username: str, name: str = "cli") -> None:
    """Issue an API bearer token for a user (printed once)."""
    from helpline.services import accounts

    container = build(_settings())
    try:
        with container.ctx.uow() as uow:
            account = uow.agents.account_by_username(username)
        if account is None:
            console.print(f"[red]no user {username}[/red]")
            raise typer.Exit(1)
        console.print(accounts.create_token(container.ctx, account.id, name))
    finally:
        container.close()


@queues_app.command("list")
def queues_list() -> None:
    """Show every queue's settings."""
    import json

    from helpline.services import queue_admin

    container = build(_settings())
    try:
        for queue in queue_admin.list_queues(container.ctx):
            console.print(json.dumps(queue, ensure_ascii=False))
    finally:
        container.close()


@queues_app.command("set")
def queues_set(
    queue_id: str,
    create: Annotated[bool, typer.Option(help="create the queue")] = False,
    name: str | None = None,
    name_ru: str | None = None,
    skill: str | None = None,
    min_level: int | None = None,
    offer_timeout: Annotated[int | None, typer.Option(help="seconds")] = None,
    max_missed: int | None = None,
    aht: Annotated[int | None, typer.Option(help="average handle time, seconds")] = None,
    sl_chat: Annotated[int | None, typer.Option(help="service-level threshold, s")] = None,
    sl_call: Annotated[int | None, typer.Option(help="service-level threshold, s")] = None,
    hours: Annotated[str | None, typer.Option(help="09:00-21:00 or 24/7")] = None,
    weekdays: Annotated[str | None, typer.Option(help="0-4 = Monday..Friday")] = None,
    escalation: Annotated[str | None, typer.Option(
        help='JSON list, e.g. [{"after_seconds":60,"min_level":1}]')] = None,
) -> None:
    """Create or change a queue (only the options given change)."""
    import json

    from helpline.services import queue_admin

    values: dict[str, object] = {}
    for key, value in (("name", name), ("name_ru", name_ru), ("skill", skill),
                       ("min_level", min_level), ("offer_timeout_seconds", offer_timeout),
                       ("max_missed_offers", max_missed), ("aht_seconds", aht)):
        if value is not None:
            values[key] = value
    container = build(_settings())
    try:
        if sl_chat is not None or sl_call is not None:
            current = next((q for q in queue_admin.list_queues(container.ctx)
                            if q["id"] == queue_id), {"sl_threshold_seconds": {}})
            thresholds = dict(current["sl_threshold_seconds"] or {})
            thresholds.update({k: v for k, v in (("chat", sl_chat), ("call", sl_call))
                               if v is not None})
            values["sl_threshold_seconds"] = thresholds
        if hours is not None:
            values["business_hours"] = queue_admin.parse_business_hours(hours, weekdays)
        if escalation is not None:
            try:
                values["escalation"] = json.loads(escalation)
            except ValueError as error:
                raise typer.BadParameter(f"escalation is not JSON: {error}") from error
        saved = queue_admin.save_queue(container.ctx, queue_id, values, create=create)
        console.print(json.dumps(saved, ensure_ascii=False))
    except HelplineError as error:
        console.print(f"[red]{error.error_id}: {error.message} {error.details}[/red]")
        raise typer.Exit(1) from error
    finally:
        container.close()


if __name__ == "__main__":
    app()
