"""Option errors: an option value the user must fix, with a message in their language."""

from __future__ import annotations

from encore.errors import EncoreError
from encore.i18n import translate

__all__ = ["OptionError"]


class OptionError(EncoreError, ValueError):
    """An option value the user must fix. ``str()`` is the message in the locale it was raised for;
    :meth:`message` renders it in another."""

    def __init__(self, key: str, locale: str | None = None, **params: object) -> None:
        super().__init__(translate(key, locale, **params))
        self.key = key
        self.params = params

    def message(self, locale: str | None) -> str:
        return translate(self.key, locale, **self.params)

    def in_locale(self, locale: str | None) -> OptionError:
        return OptionError(self.key, locale, **self.params)
