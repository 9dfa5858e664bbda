"""Clerk's JWT template shortcodes, rendered over a context of plain JSON values.

    {"name": "{{user.first_name}}", "tier": "{{user.public_metadata.tier || 'free'}}"}

- A string that is exactly one shortcode takes the value's JSON type (object, array, bool, number, null).
- Shortcodes inside a longer string are interpolated as text (null -> "null", true -> "true",
  objects and arrays as compact JSON), and the result is stripped of surrounding whitespace.
- Objects and arrays are rendered value by value, at any depth; keys are never rendered.
- `a || b || 'text' || 30 || true`: the first operand that is neither null nor false, else the
  last operand's value. Operands are dot paths into the context or literals: single-quoted
  strings, integers and decimals, true and false.
- A path that leads nowhere (an unknown shortcode, a missing metadata key) is null, and so is a
  namespace on its own (`{{user}}`) and an expression that does not parse.
"""

import re
from collections.abc import Mapping
from typing import Any

import orjson

# `{{`, then anything up to the first `}}`: "{{a}} {{b}}" is two shortcodes, never one.
SHORTCODE = re.compile(r"\{\{((?:(?!\}\}).)*)\}\}", re.DOTALL)
OPERAND = re.compile(r"\s*(?:'(?P<text>[^']*)'|(?P<word>[^\s'|]+))\s*")
NUMBER = re.compile(r"-?\d+(?P<fraction>\.\d+)?")
OR = "||"
LITERALS = {"true": True, "false": False}

Context = Mapping[str, Any]


def _operands(expression: str) -> list[re.Match[str]] | None:
    """The operands of `a || b || …`, or None when the expression does not parse."""
    operands = []
    position = 0
    while True:
        match = OPERAND.match(expression, position)
        if match is None:
            return None
        operands.append(match)
        position = match.end()
        if position == len(expression):
            return operands
        if not expression.startswith(OR, position):
            return None
        position += len(OR)


def _lookup(path: str, context: Context) -> Any:
    segments = path.split(".")
    if len(segments) < 2:
        return None
    value: Any = context
    for segment in segments:
        if not isinstance(value, Mapping) or segment not in value:
            return None
        value = value[segment]
    return value


def _value(operand: re.Match[str], context: Context) -> Any:
    text = operand.group("text")
    if text is not None:
        return text
    word = operand.group("word")
    if word in LITERALS:
        return LITERALS[word]
    number = NUMBER.fullmatch(word)
    if number is not None:
        return float(word) if number.group("fraction") else int(word)
    return _lookup(word, context)


def evaluate(expression: str, context: Context) -> Any:
    """The value of the expression between `{{` and `}}`."""
    operands = _operands(expression)
    if operands is None:
        return None
    value = None
    for operand in operands:
        value = _value(operand, context)
        if value is not None and value is not False:
            return value
    return value


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else orjson.dumps(value).decode()


def _render_string(text: str, context: Context) -> Any:
    whole = SHORTCODE.fullmatch(text)
    if whole is not None:
        return evaluate(whole.group(1), context)
    if "{{" not in text or SHORTCODE.search(text) is None:
        return text
    return SHORTCODE.sub(lambda match: _as_text(evaluate(match.group(1), context)), text).strip()


def render(template: Any, context: Context) -> Any:
    """`template` (a claim value, or the whole claims object) with its shortcodes replaced."""
    if isinstance(template, str):
        return _render_string(template, context)
    if isinstance(template, dict):
        return {key: render(value, context) for key, value in template.items()}
    if isinstance(template, list):
        return [render(item, context) for item in template]
    return template
