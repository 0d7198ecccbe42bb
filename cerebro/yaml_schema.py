"""The checks a schema makes on a hand-written YAML file, each failing with one line that
names the key path (``tenants[1].currency``) and says what to write instead.

Plain code rather than a schema library: pydantic is not one of our dependencies, and
jsonschema's messages name JSON pointers and Python types, which a marketing team editing
``tenants.yml`` should not have to decode.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable
from pathlib import Path

import yaml


class SchemaError(ValueError):
    """A value breaks the schema; ``str()`` is ``<key path>: <what is wrong and what to do>``."""


def key(path: str, name: object) -> str:
    """The path of ``name`` inside the mapping at ``path`` (``tenants[0].currency``)."""
    return f"{path}.{name}" if path else str(name)


def item(path: str, index: int) -> str:
    return f"{path}[{index}]"


def shown(value: object) -> str:
    """A value as the user wrote it in YAML, for an error message."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value) if isinstance(value, str) else str(value)


def suggestion(word: object, known: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` when ``word`` looks like a typo of one of ``known``."""
    close = difflib.get_close_matches(str(word), list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def mapping(value: object, path: str, expected: str) -> dict:
    """``value`` as a mapping; ``expected`` says what it should hold, for the error."""
    if not isinstance(value, dict):
        raise SchemaError(f"{path}: expected {expected}, got {shown(value)}")
    return value


def known_keys(value: dict, known: Collection[str], path: str) -> None:
    """Refuse keys the loader would not read: a typo would otherwise be ignored silently."""
    for name in value:
        if name not in known:
            raise SchemaError(
                f"{key(path, name)}: unknown key{suggestion(name, known)}; "
                f"known keys: {', '.join(sorted(known))}"
            )


def required(value: dict, name: str, path: str) -> object:
    if value.get(name) in (None, ""):
        raise SchemaError(f"{path}: {name!r} is required")
    return value[name]


def text(value: object, path: str) -> str:
    if isinstance(value, bool):
        # YAML 1.1 reads yes/no/on/off (and NO, Norway's country code) as booleans.
        raise SchemaError(f"{path}: got {shown(value)}; quote the text (e.g. 'NO') to keep it")
    if not isinstance(value, str) or not value.strip():
        raise SchemaError(f"{path}: expected text, got {shown(value)}")
    return value


def whole_number(value: object, path: str, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise SchemaError(f"{path}: expected a whole number >= {minimum}, got {shown(value)}")
    return value


def one_of(value: object, known: Collection[str], path: str, what: str) -> str:
    """``value`` if it is one of ``known``, else an error naming them (and the closest)."""
    if value not in known:
        raise SchemaError(
            f"{path}: unknown {what} {shown(value)}{suggestion(value, known)}; "
            f"known: {', '.join(sorted(known))}"
        )
    return value


class _StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader, but a key written twice in one mapping is an error: PyYAML keeps
    the last value silently, so the first (often the one the user just edited) is lost."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                continue  # keys merged from an anchor (<<: *x) may be overridden on purpose
            if key_node.value in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key_node.value!r} appears twice", key_node.start_mark
                )
            seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_timestamp(self, node):
        # PyYAML reads an unquoted 2026-13-01 as a date and lets datetime's ValueError out.
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as error:
            raise yaml.constructor.ConstructorError(
                None, None, f"{node.value!r} is not a valid date ({error})", node.start_mark
            ) from error


_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _StrictLoader.construct_yaml_timestamp)


#: PyYAML's problem -> what the user should do about it.
_YAML_HINTS = {
    "found character '\\t'": "indent with spaces, not tabs",
    "mapping values are not allowed": "quote a value that holds ': '",
    "expected <block end>": "check this line's indentation",
    "could not find expected ':'": "check this line's indentation, or quote its value",
}


def read_yaml(path: Path) -> object:
    """The file's YAML document; a syntax error is one line with its line and column, and a
    file that cannot be read (a folder, no permission, not UTF-8) one line saying so."""
    return parse_yaml(read_text(path))


def read_text(path: Path) -> str:
    """The file's text; a file that cannot be read (a folder, no permission, not UTF-8) is one
    line saying so."""
    try:
        return path.read_text(encoding="utf-8")
    except IsADirectoryError as error:
        raise SchemaError("is a folder, not a file: give the file's path") from error
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise SchemaError(f"cannot be read ({reason}): check that it is a file you may read") from (
            error
        )
    except UnicodeDecodeError as error:
        raise SchemaError(
            f"not UTF-8 text ({error.reason} at byte {error.start}): save it as UTF-8"
        ) from error


def parse_yaml(text: str) -> object:
    """A YAML document; a syntax error is one line with its line and column."""
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        hints = [hint for start, hint in _YAML_HINTS.items() if problem.startswith(start)]
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        hint = f" ({hints[0]})" if hints else ""
        raise SchemaError(f"{where}not valid YAML: {problem}{hint}") from error
