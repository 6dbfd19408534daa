"""Quality analytics (issue 5): recordings, transcripts, rules, redaction, search."""
