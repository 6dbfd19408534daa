"""Real-time fan-out: notifications published after commit reach every app server."""
