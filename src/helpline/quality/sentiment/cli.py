"""`helpline qa sentiment-report` and `helpline qa sentiment-eval`."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from helpline.cli_support import container_from_env
from helpline.quality.search.cli import parse_when
from helpline.quality.sentiment.evaluation import EVAL_SET, evaluate, load_examples
from helpline.quality.sentiment.metrics import Report
from helpline.quality.sentiment.rules import LABELS
from helpline.services import qa_sentiment

console = Console(soft_wrap=True)


def sentiment_report_command(
    since: Annotated[str | None, typer.Option(help="first day (2026-03-01)")] = None,
    until: Annotated[str | None, typer.Option(help="last day, included")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Negative / neutral / positive contacts per queue and ISO week (stored transcripts)."""
    with container_from_env(console) as container:
        report = qa_sentiment.report(container.ctx, parse_when(since, "--since"),
                                     parse_when(until, "--until"))
    if as_json:
        print(json.dumps(report.to_json(), ensure_ascii=False))
        return
    table = Table(title="Contact sentiment per queue and week")
    for name in ("queue", "week", "contacts", *(label.value for label in LABELS)):
        table.add_column(name, justify="left" if name in ("queue", "week") else "right")
    for bucket in (*report.buckets, report.overall):
        table.add_row(bucket.queue if bucket.queue != "*" else "all",
                      bucket.week if bucket.week != "*" else "", str(bucket.total),
                      *(f"{n} ({bucket.share(label):.0%})" for label, n in bucket.counts))
    console.print(table)


def _metrics_table(title: str, report: Report) -> Table:
    table = Table(title=title)
    for name in ("class", "precision", "recall", "F1", "gold", "predicted"):
        table.add_column(name, justify="left" if name == "class" else "right")
    for c in report.classes:
        table.add_row(c.label, f"{c.precision:.3f}", f"{c.recall:.3f}", f"{c.f1:.3f}",
                      str(c.support), str(c.predicted))
    table.caption = f"macro-F1 {report.macro_f1:.3f}"
    return table


def sentiment_eval_command(
    split: Annotated[str, typer.Option(help="test (held out) or dev (tuned on)")] = "test",
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """The sentiment baseline's per-class precision / recall / F1 and macro-F1 on the
    project's labelled set (held-out split by default)."""
    if split not in ("test", "dev"):
        raise typer.BadParameter("split must be test or dev", param_hint="--split")
    examples = load_examples()
    evaluation = evaluate(split, examples)
    if as_json:
        print(json.dumps({"set": EVAL_SET.name, "split": split,
                          "examples": len(evaluation.examples),
                          **evaluation.report.to_json()}, ensure_ascii=False))
        return
    console.print(_metrics_table(
        f"Sentiment baseline on {EVAL_SET.name}, {split} split "
        f"({len(evaluation.examples)} of {len(examples)} examples)", evaluation.report))
