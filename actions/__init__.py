"""Custom actions of the safeguarding assistant, one module per concern."""
