"""Reading a scenario's YAML: values, line numbers, and messages a new user can act on.

Kept apart from the step models (:mod:`orgsim.scenario.parse`) and the script reader
(:mod:`orgsim.scenario.load`) because it is about the YAML, not the steps: YAML 1.2
booleans, duplicate keys refused, impossible dates left for validation to name, and the wording of the errors a first-time user meets (a file saved
in Latin-1, a tab, a date written 01/01/2025).
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from pydantic import ValidationError

from orgsim.domain.timeline import gc_paused


class DuplicateKey(yaml.MarkedYAMLError):
    """A key given twice in one mapping: YAML would silently keep the last one."""


class _Strict:
    """YAML 1.2 booleans: only true/false. YAML 1.1 also reads on/off/yes/no as
    booleans, which would turn the SPEC's ``decide: {on: ...}`` key into ``True``.

    A key given twice in one mapping is refused (PyYAML keeps the last one silently,
    so ``{id: a, id: b}`` would quietly become ``b``).

    A mixin, so the same rules sit on PyYAML's C parser (libyaml, used first: a 100,000
    step script in seconds, not minutes) and on its pure-Python one (used to word an
    error: its messages say more, e.g. which character cannot start a token)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _value in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)  # type: ignore[attr-defined]
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:  # an unhashable key: the base class reports it
                continue
            if duplicate:
                raise DuplicateKey(
                    problem=f"the key {key!r} is given twice in one mapping",
                    problem_mark=key_node.start_mark,
                )
        return super().construct_mapping(node, deep=deep)  # type: ignore[misc,no-any-return]


class _Loader(_Strict, yaml.SafeLoader):
    """The pure-Python parser with the rules above (exact error messages)."""


_FAST: type[Any] | None = None
if getattr(yaml, "__with_libyaml__", False):

    class _FastLoader(_Strict, yaml.CSafeLoader):
        """libyaml's parser with the rules above."""

    _FAST = _FastLoader


def _timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    """Leave an impossible date (2014-02-31) as text, so validation names its field."""
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
for _loader in (_Loader, _FAST):
    if _loader is None:
        continue
    _loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)
    _loader.yaml_implicit_resolvers = {
        key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
        for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    _loader.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL, list("tTfF"))


#: pydantic's date errors: the message says how to write one, as ``--at`` does.
DATE_ERRORS = {
    "date_type",
    "date_parsing",
    "date_from_datetime_parsing",
    "date_from_datetime_inexact",
}


def first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(p) for p in first["loc"] if not isinstance(p, int) or True)
    message = first["msg"]
    if first["type"] == "extra_forbidden":
        message = "unknown field"
    elif first["type"] == "missing":
        message = "missing field"
    elif first["type"] in DATE_ERRORS or (
        first["type"] in ("int_parsing", "int_type") and "date" in message.lower()
    ):
        message = f"not a date: {first.get('input')!r}; use YYYY-MM-DD"
    return f"{where}: {message}" if where else message


def undecodable(name: str, raw: bytes, error: UnicodeDecodeError) -> str:
    """A file in another encoding (Latin-1, Windows-1252): its line, and what to do."""
    line = raw[: error.start].count(b"\n") + 1
    return (
        f"{name}:{line}: the file is not UTF-8 (byte 0x{raw[error.start]:02x}); "
        "save the file as UTF-8"
    )


def yaml_problem(error: yaml.YAMLError) -> str:
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    if "'\\t'" in problem or "\t" in problem:
        problem += "; indent with spaces, not tabs"
    return problem


def _step_lines(root: yaml.Node | None) -> tuple[dict[str, int], list[int]]:
    """Line numbers (1-based) of the top-level keys and of each step."""
    keys: dict[str, int] = {}
    steps: list[int] = []
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            keys[str(key.value)] = key.start_mark.line + 1
            if key.value == "steps" and isinstance(value, yaml.SequenceNode):
                steps = [item.start_mark.line + 1 for item in value.value]
    return keys, steps


def load_yaml(text: str) -> tuple[Any, dict[str, int], list[int]]:
    """The values and the line numbers from one pass of the parser.

    Lines are read before the values are built: building merges ``<<`` keys into the
    node in place. Parsing once, not twice, halves the time of a long script. libyaml
    parses when it is there; a file it refuses is parsed again by the pure-Python
    parser, so that errors read the same with or without it.
    """
    with gc_paused():  # a long script is hundreds of thousands of live nodes
        if _FAST is not None:
            streamed = _streamed(_FAST, text)
            if streamed is not None:
                return streamed
            try:
                return _load(_FAST, text)
            except yaml.YAMLError:
                pass
        return _load(_Loader, text)


#: Deeper than this is refused as the pure-Python parser refuses it (its recursion ends
#: near 330 levels); libyaml would go on, so the fast path checks. A script needs ~6.
MAX_DEPTH = 200


def _depth_checked(root: yaml.Node | None) -> None:
    """Raise RecursionError (worded by the caller) for a document nested absurdly deep."""
    stack: list[tuple[yaml.Node, int]] = [(root, 1)] if root is not None else []
    collection = (yaml.MappingNode, yaml.SequenceNode)
    seen: set[int] = set()  # an alias is walked once (a "billion laughs" stays linear)
    while stack:
        node, depth = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if depth > MAX_DEPTH:
            raise RecursionError("nested too deeply")
        if isinstance(node, yaml.SequenceNode):
            stack.extend((item, depth + 1) for item in node.value if isinstance(item, collection))
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, collection):
                    stack.append((key, depth + 1))
                if isinstance(value, collection):
                    stack.append((value, depth + 1))


_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"


class _Builder:
    """The values of a composed document, as the loader's constructor builds them, with
    its per-node overhead taken out for the nodes a script is made of: plain strings,
    mappings and lists. Every other node (numbers, dates, null, merge keys, unknown tags)
    goes to the loader's own constructor; an alias is built once, as there. Half the
    parse time of a long script was the generic constructor."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader
        self.built: dict[int, Any] = {}

    def document(self, root: yaml.Node) -> Any:
        try:
            return self.value(root)
        except _Fallback:
            return self.loader.construct_document(root)

    def value(self, node: yaml.Node) -> Any:
        kind = type(node)
        if kind is yaml.ScalarNode:
            if node.tag == _STR:
                return node.value
            return self.loader.construct_object(node, deep=True)
        key = id(node)
        done = self.built.get(key, self)
        if done is not self:
            return done
        out: Any
        if kind is yaml.MappingNode and node.tag == _MAP:
            out = self.built[key] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise _Fallback
                name = self.value(key_node)
                try:
                    duplicate = name in out
                except TypeError:  # an unhashable key: the constructor words it
                    raise _Fallback from None
                if duplicate:
                    raise DuplicateKey(
                        problem=f"the key {name!r} is given twice in one mapping",
                        problem_mark=key_node.start_mark,
                    )
                out[name] = self.value(value_node)
        elif kind is yaml.SequenceNode and node.tag == _SEQ:
            out = self.built[key] = []
            out.extend(self.value(item) for item in node.value)
        else:
            out = self.built[key] = self.loader.construct_object(node, deep=True)
        return out


class _Fallback(Exception):
    """A node the fast builder leaves to the loader's constructor, whole document."""


def _load(loader_class: type[Any], text: str) -> tuple[Any, dict[str, int], list[int]]:
    loader = loader_class(text)
    try:
        root = loader.get_single_node()
        if loader_class is not _Loader:
            _depth_checked(root)
        key_lines, step_lines = _step_lines(root)
        if root is None:
            data = None
        elif loader_class is _Loader:
            data = loader.construct_document(root)
        else:
            data = _Builder(loader).document(root)
    finally:
        loader.dispose()
    return data, key_lines, step_lines


_SCALARS = frozenset(
    "tag:yaml.org,2002:" + kind for kind in ("null", "bool", "int", "float", "timestamp")
)


class _Unusual(Exception):
    """Something the streaming builder leaves to the composing path."""


def _streamed(loader_class: type[Any], text: str) -> tuple[Any, dict[str, int], list[int]] | None:
    """:func:`_load`'s result built straight from libyaml's events, or None.

    Composing a document first builds a node, with two marks, for every scalar: a
    100,000-step script is a million nodes, over 500 MB held at once, only to be walked
    and dropped. Here each value is built as its event arrives and no node is kept. This
    covers what scripts are made of — one document whose root is a mapping, plain
    mappings, lists and scalars of the standard tags. Anything else (anchors, aliases,
    tags, merge keys, complex or duplicate keys, nesting deeper than :data:`MAX_DEPTH`,
    a syntax error) returns None, and the composing path parses the text again, so its
    values and its errors are exactly what they were.
    """
    loader = loader_class(text)
    try:
        return _build_streamed(loader)
    except Exception:  # every failure is the composing path's to word
        return None
    finally:
        loader.dispose()


def _build_streamed(loader: Any) -> tuple[Any, dict[str, int], list[int]]:
    get = loader.get_event
    resolve = loader.resolve
    constructors = loader.yaml_constructors
    scalar_event = yaml.ScalarEvent
    start_map, start_seq = yaml.MappingStartEvent, yaml.SequenceStartEvent
    end_map, end_seq = yaml.MappingEndEvent, yaml.SequenceEndEvent
    if type(get()) is not yaml.StreamStartEvent or type(get()) is not yaml.DocumentStartEvent:
        raise _Unusual
    first = get()
    if type(first) is not start_map or first.anchor is not None or first.tag not in (None, "!"):
        raise _Unusual
    root: dict[Any, Any] = {}
    key_lines: dict[str, int] = {}
    step_lines: list[int] = []
    #: the open collections, innermost last; for a mapping, its key awaiting a value
    stack: list[Any] = [root]
    pending: list[Any] = [_NO_KEY]
    steps: list[Any] | None = None  # the root's ``steps`` list, once open
    seen: dict[tuple[str, Any], tuple[Any]] = {}
    # (a duplicate ``steps`` key is refused, so there is at most one)
    while stack:
        event = get()
        kind = type(event)
        if kind is end_map or kind is end_seq:
            stack.pop()
            pending.pop()
            continue
        if event.anchor is not None or event.tag not in (None, "!"):
            raise _Unusual
        top = stack[-1]
        is_map = type(top) is dict
        if top is steps:
            step_lines.append(event.start_mark.line + 1)
        value: Any
        if kind is scalar_event:
            # A scalar's tag and value depend on its text and quoting alone, and are
            # immutable (str, date, number, bool, None): each distinct one is built once.
            text, implicit = event.value, event.implicit
            known = seen.get((text, implicit))
            if known is None:
                tag = resolve(yaml.ScalarNode, text, implicit)
                if tag == _STR:
                    value = text
                elif tag in _SCALARS:
                    node = yaml.ScalarNode(tag, text, event.start_mark, event.end_mark, event.style)
                    value = constructors[tag](loader, node)
                else:
                    raise _Unusual  # a merge key, a value key: the constructor's to build
                seen[(text, implicit)] = known = (value,)
            value = known[0]
            if is_map and pending[-1] is _NO_KEY:
                if value in top:
                    raise _Unusual  # a duplicate: the composing path words the error
                if len(stack) == 1:
                    key_lines[str(event.value)] = event.start_mark.line + 1
                pending[-1] = value
                continue
        elif kind is start_map or kind is start_seq:
            if is_map and pending[-1] is _NO_KEY:
                raise _Unusual  # a collection as a key
            if len(stack) >= MAX_DEPTH:
                raise _Unusual  # the composing path refuses it
            value = {} if kind is start_map else []
        else:
            raise _Unusual  # an alias
        if is_map:
            if top is root and pending[-1] == "steps" and kind is start_seq:
                steps = value
            top[pending[-1]] = value
            pending[-1] = _NO_KEY
        else:
            top.append(value)
        if kind is not scalar_event:
            stack.append(value)
            pending.append(_NO_KEY)
    if type(get()) is not yaml.DocumentEndEvent or type(get()) is not yaml.StreamEndEvent:
        raise _Unusual
    return root, key_lines, step_lines


_NO_KEY = object()
