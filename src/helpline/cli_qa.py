"""`helpline qa …`: quality analytics commands for QA specialists and scripts.

Each command lives with its engine (``helpline.quality.*``) and is registered here.
"""

from __future__ import annotations

import typer

from helpline.quality.audio.cli import analyze_command, analyze_folder_command

qa_app = typer.Typer(help="Quality analytics: recordings, transcripts, phrase search.",
                     no_args_is_help=True)

# Commands are registered below, one line each.
qa_app.command("analyze")(analyze_command)
qa_app.command("analyze-folder")(analyze_folder_command)
