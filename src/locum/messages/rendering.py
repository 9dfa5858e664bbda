"""The part of Handlebars that Clerk's email and SMS templates use, and nothing that runs code.

    {{app.name}}         a variable (dotted path into the variables), HTML-escaped in email bodies
    {{{app.name}}}       the same, never escaped
    {{#if otp_code}}…{{else}}…{{/if}}, {{#unless …}}…{{/unless}}   Handlebars truthiness
    {{! note }} {{!-- note --}}                                      comments

A missing variable renders as nothing, as in Handlebars. Anything else inside braces (helpers,
partials, other blocks) is a TemplateSyntaxError, raised when the template is compiled, so a
template that locum can't render is refused when it is saved, never when a message goes out.
"""

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

_TAG = re.compile(r"\{\{\{\s*(?P<raw>.*?)\s*\}\}\}|\{\{(?P<tag>!--.*?--|.*?)\}\}", re.DOTALL)
_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_BLOCK_HELPERS = ("if", "unless")
# What Handlebars escapes, and how.
_HTML_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;", "`": "&#x60;", "=": "&#x3D;"}
)


class TemplateSyntaxError(ValueError):
    pass


@dataclass(frozen=True)
class _Variable:
    path: str
    escaped: bool


@dataclass(frozen=True)
class _Conditional:
    path: str
    negated: bool
    then: tuple["_Node", ...]
    otherwise: tuple["_Node", ...]


_Node = str | _Variable | _Conditional


def _lookup(variables: Mapping[str, Any], path: str) -> Any:
    value: Any = variables
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _truthy(value: Any) -> bool:
    """Handlebars' falsy values: missing, null, false, "", 0 and the empty list."""
    return value not in (None, False, "", 0) and value != []


def _text(value: Any) -> str:
    if value is None or isinstance(value, Mapping | list):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _path(expression: str, tag: str) -> str:
    if not _PATH.fullmatch(expression):
        raise TemplateSyntaxError(f"unsupported expression {{{{{tag}}}}}: only variables, #if and #unless are")
    return expression


@dataclass(frozen=True)
class CompiledTemplate:
    nodes: tuple[_Node, ...]

    def render(self, variables: Mapping[str, Any], *, escape: bool) -> str:
        """The template with `variables` filled in; `escape`: HTML-escape {{…}} (email bodies)."""
        return "".join(self._render(self.nodes, variables, escape))

    def _render(self, nodes: Sequence[_Node], variables: Mapping[str, Any], escape: bool) -> list[str]:
        out: list[str] = []
        for node in nodes:
            if isinstance(node, str):
                out.append(node)
            elif isinstance(node, _Variable):
                text = _text(_lookup(variables, node.path))
                out.append(text.translate(_HTML_ESCAPES) if escape and node.escaped else text)
            else:
                chosen = node.then if _truthy(_lookup(variables, node.path)) != node.negated else node.otherwise
                out.extend(self._render(chosen, variables, escape))
        return out

    @functools.cached_property
    def variables(self) -> frozenset[str]:
        """Every variable the template prints (conditions alone don't count)."""
        found: set[str] = set()
        pending = list(self.nodes)
        while pending:
            node = pending.pop()
            if isinstance(node, _Variable):
                found.add(node.path)
            elif isinstance(node, _Conditional):
                pending.extend((*node.then, *node.otherwise))
        return frozenset(found)


@dataclass
class _Open:
    """A block being parsed: the helper, its condition, and the nodes of each branch so far."""

    helper: str
    path: str
    then: list[_Node]
    otherwise: list[_Node] | None = None

    @property
    def current(self) -> list[_Node]:
        return self.then if self.otherwise is None else self.otherwise


@functools.lru_cache(maxsize=256)
def compile_template(source: str) -> CompiledTemplate:
    root: list[_Node] = []
    stack: list[_Open] = []
    position = 0
    for match in _TAG.finditer(source):
        current = stack[-1].current if stack else root
        if match.start() > position:
            current.append(source[position : match.start()])
        position = match.end()
        if match.group("raw") is not None:
            current.append(_Variable(_path(match.group("raw"), match.group(0)[2:-2]), escaped=False))
            continue
        tag = match.group("tag").strip()
        if tag.startswith("!"):
            continue
        if tag.startswith("#"):
            helper, _, argument = tag[1:].partition(" ")
            if helper not in _BLOCK_HELPERS:
                raise TemplateSyntaxError(f"unsupported block {{{{{tag}}}}}: only #if and #unless are")
            stack.append(_Open(helper, _path(argument.strip(), tag), []))
        elif tag == "else":
            if not stack or stack[-1].otherwise is not None:
                raise TemplateSyntaxError("{{else}} outside an #if or #unless block")
            stack[-1].otherwise = []
        elif tag.startswith("/"):
            if not stack or stack[-1].helper != tag[1:].strip():
                raise TemplateSyntaxError(f"{{{{{tag}}}}} closes no open block")
            block = stack.pop()
            (stack[-1].current if stack else root).append(
                _Conditional(block.path, block.helper == "unless", tuple(block.then), tuple(block.otherwise or ()))
            )
        else:
            current.append(_Variable(_path(tag, tag), escaped=True))
    if stack:
        raise TemplateSyntaxError(f"{{{{#{stack[-1].helper}}}}} is never closed")
    if position < len(source):
        root.append(source[position:])
    return CompiledTemplate(tuple(root))
