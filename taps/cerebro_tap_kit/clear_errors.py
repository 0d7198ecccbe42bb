"""The command line of Cerebro's taps and target: a failure they foresaw is one line, exit 2.

A vendor refusing the token, an account that does not exist, a setting that cannot work,
input the target refuses: the exception's message already says what failed and what to do.
Left to singer-sdk, it is logged with a ~50-line traceback that ends with the message again,
burying the one line that matters. ``cerebro run``'s landing step shows the end of the tap's
and target's logs (``cerebro/landing/pipeline.py``), so that line is what the data engineer reads.

The traceback is still logged, at DEBUG (``LOGLEVEL=DEBUG`` or ``<PLUGIN>_LOGLEVEL=DEBUG``
shows it); any other exception is a bug and keeps the SDK's traceback at ERROR.
"""

from __future__ import annotations

import typing as t

from singer_sdk.exceptions import FatalAPIError

from cerebro_tap_kit.exit_codes import CLEAR_ERROR_EXIT_CODE


def one_line(error: BaseException) -> str:
    """The error's message on one line (a multi-line message would be cut by a log tail)."""
    return " ".join(str(error).split()) or type(error).__name__


class ClearErrors:
    """Mixin for a singer-sdk ``Tap`` or ``Target``, listed before it:
    ``class TapX(ClearErrors, Tap)``.

    ``clear_errors`` lists the exceptions whose message is enough: by default
    ``FatalAPIError``, which the HTTP taps raise for everything a retry cannot fix
    (401, 403, 404, a bad request, retries exhausted), each with the fix in its message.
    """

    clear_errors: t.ClassVar[tuple[type[BaseException], ...]] = (FatalAPIError,)
    logger: t.ClassVar[t.Any]  # the SDK plugin's class logger

    @classmethod
    def error_line(cls, error: BaseException) -> str:
        """The line logged for a clear error (subclasses may reword it)."""
        return one_line(error)

    @classmethod
    def invoke(cls, *args: t.Any, **kwargs: t.Any) -> None:
        """Run the command; a clear error is one ERROR line and ``SystemExit(2)``."""
        cls._clearly(super().invoke, *args, **kwargs)  # type: ignore[misc]

    @classmethod
    def cb_test(cls, *args: t.Any, **kwargs: t.Any) -> None:
        """``--test`` (one record per stream, what `cerebro check` asks): singer-sdk runs it
        from the option's callback, before and outside ``invoke``."""
        cls._clearly(super().cb_test, *args, **kwargs)  # type: ignore[misc]

    @classmethod
    def _clearly(cls, command: t.Callable[..., None], *args: t.Any, **kwargs: t.Any) -> None:
        try:
            command(*args, **kwargs)
        except cls.clear_errors as error:
            cls.logger.debug("Traceback of the error below:", exc_info=True)
            cls.logger.error("%s", cls.error_line(error))
            raise SystemExit(CLEAR_ERROR_EXIT_CODE) from None
