"""One module per command; each is a thin adapter: options → schemaguard.api → report → exit code."""
