"""Errors the user can act on. The CLI prints their message (no stack trace) and exits 2."""


class FinqaError(Exception):
    """A failure with a clear message: bad input, missing data, a server that is down, a quota."""


class UnknownCompanyError(FinqaError):
    """A name or code that resolves to no listed company; carries close matches."""

    def __init__(self, query: str, suggestions: list[str]) -> None:
        self.query = query
        self.suggestions = suggestions
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"Unknown company {query!r}.{hint}")
