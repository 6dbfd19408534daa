"""`helpline qa …`: quality analytics commands for QA specialists and scripts.

Each command lives with its engine (``helpline.quality.*``) and is registered here.
"""

from __future__ import annotations

import typer

from helpline.quality.audio.cli import analyze_command, analyze_folder_command
from helpline.quality.results_cli import analyze_chat_command
from helpline.quality.scorecards.cli import report_command, sample_command, score_command
from helpline.quality.search.cli import ingest_command, search_command
from helpline.quality.sentiment.cli import sentiment_eval_command, sentiment_report_command
from helpline.quality.transcripts.cli import check_transcript_command, redact_command

qa_app = typer.Typer(help="Quality analytics: recordings, transcripts, phrase search.",
                     no_args_is_help=True)

# Commands are registered below, one line each.
qa_app.command("analyze")(analyze_command)
qa_app.command("analyze-folder")(analyze_folder_command)
qa_app.command("analyze-chat")(analyze_chat_command)
qa_app.command("ingest")(ingest_command)
qa_app.command("search")(search_command)
qa_app.command("sentiment-report")(sentiment_report_command)
qa_app.command("sentiment-eval")(sentiment_eval_command)
qa_app.command("rules")(check_transcript_command)
qa_app.command("redact")(redact_command)
qa_app.command("score")(score_command)
qa_app.command("sample")(sample_command)
qa_app.command("report")(report_command)
