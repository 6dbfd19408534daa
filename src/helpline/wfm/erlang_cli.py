"""``helpline wfm erlang``: agents and staff for one interval (Erlang C, Erlang A or chat).

Registered in ``helpline.cli_wfm``; the math lives in ``erlang``, ``erlang_a`` and
``chat_staffing``.
"""

from __future__ import annotations

import json
import math
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from helpline.wfm.chat_staffing import chat_staffing
from helpline.wfm.erlang import ErlangInputError, as_scalar, erlang_c_staffing
from helpline.wfm.erlang_a import erlang_a_staffing


class SlDefinitionOption(StrEnum):
    offered = "offered"
    answered = "answered"


def erlang_command(
    calls: Annotated[float, typer.Option("--calls", help="Calls (or chats) per interval.")],
    interval_seconds: Annotated[int, typer.Option("--interval-seconds",
                                                  help="Interval length, s.")] = 900,
    aht_seconds: Annotated[float, typer.Option("--aht-seconds",
                                               help="Average handle time, s.")] = 300.0,
    target_sl: Annotated[float, typer.Option("--target-sl",
                                             help="Service-level target, 0..1.")] = 0.9,
    target_seconds: Annotated[float, typer.Option("--target-seconds",
                                                  help="Answer within, s.")] = 180.0,
    shrinkage: Annotated[float, typer.Option(help="Share of paid time off the phones.")] = 0.0,
    patience_seconds: Annotated[float | None, typer.Option(
        "--patience-seconds", help="Mean caller patience, s: Erlang A instead of C.")] = None,
    max_occupancy: Annotated[float, typer.Option("--max-occupancy",
                                                 help="Occupancy cap, 0..1.")] = 1.0,
    max_abandon: Annotated[float | None, typer.Option(
        "--max-abandon", help="Erlang A: cap on abandoned / offered.")] = None,
    sl_definition: Annotated[SlDefinitionOption, typer.Option(
        "--sl-definition", help="Erlang A: answered within T over offered or over answered.",
    )] = SlDefinitionOption.offered,
    chats_per_agent: Annotated[int | None, typer.Option(
        "--chats-per-agent", help="Chat model: each agent handles up to K chats at once.")]
        = None,
    handle_time_growth: Annotated[float, typer.Option(
        "--handle-time-growth",
        help="Chat model: per-chat handle time grows by this share per extra open chat.")]
        = 0.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Smallest number of agents meeting the service level, and staff after shrinkage."""
    try:
        report = _compute(calls, interval_seconds, aht_seconds, target_sl, target_seconds,
                          shrinkage, patience_seconds, max_occupancy, max_abandon,
                          sl_definition.value, chats_per_agent, handle_time_growth)
    except ErlangInputError as error:
        typer.echo(f"{error.error_id}: {error.message}", err=True)
        raise typer.Exit(2) from error
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False))
        return
    table = Table(title=f"Staffing ({report['model']})")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, value in report.items():
        table.add_row(key, _fmt(value))
    Console(soft_wrap=True).print(table)


def _compute(calls: float, interval_seconds: int, aht_seconds: float, target_sl: float,
             target_seconds: float, shrinkage: float, patience_seconds: float | None,
             max_occupancy: float, max_abandon: float | None, sl_definition: str,
             chats_per_agent: int | None, handle_time_growth: float) -> dict[str, Any]:
    base: dict[str, Any] = {
        "calls": calls, "interval_seconds": interval_seconds, "aht_seconds": aht_seconds,
        "traffic_erlangs": calls * aht_seconds / interval_seconds if interval_seconds > 0
        else None,
        "target_sl": target_sl, "target_seconds": target_seconds, "shrinkage": shrinkage,
    }
    if chats_per_agent is not None:
        if patience_seconds is not None or max_abandon is not None:
            raise ErlangInputError("the chat model has no abandonment: drop --patience-seconds")
        if max_occupancy != 1.0:
            raise ErlangInputError("the chat model has no occupancy cap: drop --max-occupancy")
        chat = chat_staffing(calls, interval_seconds, aht_seconds, chats_per_agent, target_sl,
                             target_seconds, handle_time_growth=handle_time_growth,
                             shrinkage=shrinkage)
        m = chat.metrics
        return {"model": "chat-concurrency", **base, "chats_per_agent": chats_per_agent,
                "handle_time_growth": handle_time_growth,
                "agents": as_scalar(chat.agents), "staff": as_scalar(chat.staff),
                "service_level": as_scalar(m.service_level),
                "wait_probability": as_scalar(m.wait_probability),
                "asa_seconds": as_scalar(m.asa_seconds),
                "occupancy": as_scalar(m.slot_occupancy),
                "mean_chats_per_agent": as_scalar(m.mean_chats_per_agent)}
    if patience_seconds is None:
        if max_abandon is not None:
            raise ErlangInputError("--max-abandon needs --patience-seconds (Erlang A)")
        c = erlang_c_staffing(calls, interval_seconds, aht_seconds, target_sl, target_seconds,
                              shrinkage, max_occupancy)
        return {"model": "erlang-c", **base, "max_occupancy": max_occupancy,
                "agents": as_scalar(c.agents), "staff": as_scalar(c.staff),
                "service_level": as_scalar(c.service_level),
                "wait_probability": as_scalar(c.wait_probability),
                "asa_seconds": as_scalar(c.asa_seconds), "occupancy": as_scalar(c.occupancy)}
    a = erlang_a_staffing(calls, interval_seconds, aht_seconds, patience_seconds, target_sl,
                          target_seconds, sl_definition="answered"
                          if sl_definition == "answered" else "offered",
                          max_abandon=max_abandon, max_occupancy=max_occupancy,
                          shrinkage=shrinkage)
    m2 = a.metrics
    return {"model": "erlang-a", **base, "patience_seconds": patience_seconds,
            "sl_definition": sl_definition, "max_abandon": max_abandon,
            "max_occupancy": max_occupancy,
            "agents": as_scalar(a.agents), "staff": as_scalar(a.staff),
            "service_level": as_scalar(m2.service_level if sl_definition == "offered"
                                       else m2.service_level_answered),
            "service_level_offered": as_scalar(m2.service_level),
            "service_level_answered": as_scalar(m2.service_level_answered),
            "abandon_rate": as_scalar(m2.abandon_rate),
            "wait_probability": as_scalar(m2.wait_probability),
            "asa_seconds": as_scalar(m2.asa_seconds),
            "mean_wait_seconds": as_scalar(m2.mean_wait_seconds),
            "occupancy": as_scalar(m2.occupancy)}


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if math.isinf(value):
            return "inf"
        return f"{value:.4f}" if abs(value) < 100 else f"{value:,.1f}"
    return str(value)
