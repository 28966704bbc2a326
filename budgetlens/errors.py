"""One root for every error BudgetLens raises on purpose.

Callers (the CLI, the app, a batch) catch :class:`BudgetLensError` and show its message:
each subclass's message names the file, setting or service and says what to do. Anything
else that escapes is a bug.
"""

from __future__ import annotations

from pathlib import Path


class BudgetLensError(Exception):
    """Base class: the message is written for the user."""


class FatalError(BudgetLensError):
    """An error that must stop a whole run instead of becoming one document's error record
    (e.g. a replayed model that has no answer recorded: every score would silently drop)."""


class LoadError(BudgetLensError):
    """A file that cannot be read; ``str(e)`` is '<file name>: <problem>'."""

    path: Path
    problem: str

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{self.path.name or str(self.path) or '<input>'}: {problem}")

    def __reduce__(self) -> tuple[type[LoadError], tuple[Path, str]]:
        # Default pickling would call LoadError(message) and fail; worker processes need it.
        return (type(self), (self.path, self.problem))


class ConfigError(BudgetLensError):
    """A setting is missing or contradicts another one."""


class ModelError(BudgetLensError):
    """Base class for model-layer failures (setup, transport, output)."""


class ModelUnavailableError(ModelError):
    """No model can be used: not installed, not configured, server would not start, or the
    endpoint cannot be reached. The message says how to get one."""


class ModelOutputError(ModelError):
    """The model did not produce an object that validates, even after re-asking."""

    def __init__(self, message: str, *, attempts: int) -> None:
        super().__init__(message)
        self.attempts = attempts


class IndexNotFoundError(BudgetLensError):
    """A question-answering index directory that does not exist (and was not to be created)."""


class GoldFileError(BudgetLensError):
    """A gold file that cannot be used (unreadable JSON, no ``doc``)."""
