"""Check requests and responses against the official OpenAPI spec (the patched copy in
`spec/`), for tests of the emulator and of the SDK.

```python
from tests.spec_validation import validate_request, validate_response

validate_response("GET", "/v1/projects/p/activeNumbers/%2B12025550134", 200, body)
validate_response("GET", "/v1/projects/{projectId}/activeNumbers", 200, body)  # or a template
validate_request("GET", url, [("regionCode", "US"), ("capability", "SMS")], headers, None)
```

Schemas are checked with `openapi_schema_validator.OAS30Validator` (formats such as
`date-time` and `int32` included). With `strict=True` (the default) object members that the
schema does not declare are violations too, because the spec never forbids extra members and
a misspelt field would otherwise pass. Statuses the spec does not declare (401, 405, 429, 502,
503, ...) are checked against the generic error envelope. Every failure raises `SpecViolation`
(an `AssertionError`) listing all problems.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import yaml
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

__all__ = [
    "SPEC_PATH",
    "Operation",
    "SpecViolation",
    "find_operation",
    "load_spec",
    "validate_callback",
    "validate_request",
    "validate_response",
    "validate_schema",
]

SPEC_PATH = Path(__file__).resolve().parent.parent / "spec" / "sinch-numbers-api-openapi.yaml"
_BASE = "urn:sinch-numbers-spec"
_METHODS = ("get", "put", "post", "patch", "delete")
_E164 = re.compile(r"\+[1-9][0-9]{1,14}")

#: For statuses the spec does not declare: the Numbers error envelope.
ERROR_ENVELOPE: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "status"],
            "properties": {
                "code": {"type": "integer"},
                "message": {"type": "string"},
                "status": {"type": "string"},
                "details": {"type": "array", "items": {"type": "object"}},
            },
        }
    },
}


class SpecViolation(AssertionError):
    """A request or response that does not match the spec."""


@functools.cache
def load_spec() -> dict[str, Any]:
    """The parsed spec (cached)."""
    with SPEC_PATH.open(encoding="utf-8") as fh:
        spec: dict[str, Any] = yaml.safe_load(fh)
    return spec


@functools.cache
def _registry() -> Registry[Any]:
    resource = Resource.from_contents(load_spec(), default_specification=DRAFT4)
    registry: Registry[Any] = Registry().with_resource(_BASE, resource)
    return registry


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _lookup(pointer: str) -> Any:
    node: Any = load_spec()
    for token in pointer.lstrip("/").split("/"):
        key = token.replace("~1", "/").replace("~0", "~")
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node


def _deref(node: Any, pointer: str) -> tuple[Any, str]:
    """Follow `$ref`s (spec-internal only); returns the node and its JSON pointer."""
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise ValueError(f"external reference {ref!r} is not supported")
        pointer = ref[1:]
        node = _lookup(pointer)
    return node, pointer


@dataclass(frozen=True)
class Operation:
    """One operation of the spec."""

    method: str
    template: str
    operation_id: str
    pointer: str  # JSON pointer of the operation object
    node: Mapping[str, Any]

    def parameters(self) -> dict[tuple[str, str], tuple[dict[str, Any], str]]:
        """Path-level and operation-level parameters, resolved, keyed by (in, name), with the
        JSON pointer of each."""
        path_item = load_spec()["paths"][self.template]
        path_ptr = self.pointer.rsplit("/", 1)[0]
        found: dict[tuple[str, str], tuple[dict[str, Any], str]] = {}
        levels = (
            (path_item.get("parameters", []), f"{path_ptr}/parameters"),
            (self.node.get("parameters", []), f"{self.pointer}/parameters"),
        )
        for params, base in levels:
            for i, raw in enumerate(params):
                param, pointer = _deref(raw, f"{base}/{i}")
                found[(param["in"], param["name"])] = (param, pointer)
        return found


def _template_regex(template: str) -> re.Pattern[str]:
    out, pos = [], 0
    for m in re.finditer(r"\{([^}]+)\}", template):
        out.append(re.escape(template[pos : m.start()]))
        out.append(f"(?P<{m.group(1)}>[^/:]+)")
        pos = m.end()
    out.append(re.escape(template[pos:]))
    return re.compile("".join(out))


@functools.cache
def _operations() -> list[tuple[re.Pattern[str], Operation]]:
    ops = []
    for template, item in load_spec()["paths"].items():
        for method in _METHODS:
            if method in item:
                pointer = f"/paths/{_escape(template)}/{method}"
                op = Operation(
                    method.upper(), template, item[method]["operationId"], pointer, item[method]
                )
                ops.append((_template_regex(template), op))
    return ops


def find_operation(method: str, path_or_url: str) -> tuple[Operation, dict[str, str]]:
    """The operation for a method and a template, a path or a full URL (percent-decoded),
    plus the path parameters."""
    method = method.upper()
    if "{" in path_or_url:
        for _, op in _operations():
            if op.method == method and op.template == path_or_url:
                return op, {}
        raise SpecViolation(f"no operation {method} {path_or_url} in the spec")
    path = unquote(urlsplit(path_or_url).path)
    if "/v1/" in path:
        path = path[path.index("/v1/") :]
    for pattern, op in _operations():
        m = pattern.fullmatch(path)
        if m and op.method == method:
            return op, m.groupdict()
    raise SpecViolation(f"no operation {method} {path} in the spec")


def _schema_errors(schema: Mapping[str, Any], instance: Any, where: str) -> list[str]:
    validator = OAS30Validator(schema, registry=_registry(), format_checker=oas30_format_checker)
    errors = []
    for error in validator.iter_errors(instance):
        location = "/".join(str(p) for p in error.absolute_path)
        errors.append(f"{where}/{location}: {error.message}")
    return errors


def _pointer_errors(pointer: str, instance: Any, where: str) -> list[str]:
    return _schema_errors({"$ref": f"{_BASE}#{pointer}"}, instance, where)


def _collect_properties(
    schema: Any, pointer: str, instance: Mapping[str, Any]
) -> tuple[dict[str, tuple[Any, str]], bool]:
    """Properties an object schema declares (through allOf and the chosen oneOf/anyOf branch),
    and whether it is free-form (declares no properties and does not forbid extras)."""
    schema, pointer = _deref(schema, pointer)
    props: dict[str, tuple[Any, str]] = {}
    declares = False
    if not isinstance(schema, dict):
        return props, True
    for name, sub in schema.get("properties", {}).items():
        props[name] = (sub, f"{pointer}/properties/{_escape(name)}")
        declares = True
    for i, sub in enumerate(schema.get("allOf", [])):
        more, free = _collect_properties(sub, f"{pointer}/allOf/{i}", instance)
        props.update(more)
        declares = declares or not free
    for keyword in ("oneOf", "anyOf"):
        branches = schema.get(keyword, [])
        if not branches:
            continue
        chosen = list(enumerate(branches))
        discriminator = schema.get("discriminator")
        if discriminator:
            value = instance.get(discriminator["propertyName"])
            target = discriminator.get("mapping", {}).get(value)
            picked = [(i, b) for i, b in chosen if b.get("$ref") == target]
            chosen = picked or chosen
        for i, sub in chosen:
            more, free = _collect_properties(sub, f"{pointer}/{keyword}/{i}", instance)
            for name, value_ in more.items():
                props.setdefault(name, value_)
            declares = declares or not free
    if schema.get("additionalProperties") not in (None, False):
        return props, True
    return props, not declares


def _unknown_members(schema: Any, pointer: str, instance: Any, where: str) -> list[str]:
    schema, pointer = _deref(schema, pointer)
    problems: list[str] = []
    if isinstance(instance, dict) and isinstance(schema, dict):
        props, free = _collect_properties(schema, pointer, instance)
        if free:
            return problems
        for key, value in instance.items():
            if key not in props:
                problems.append(f"{where}/{key}: not declared by the schema")
            else:
                sub, sub_ptr = props[key]
                problems.extend(_unknown_members(sub, sub_ptr, value, f"{where}/{key}"))
    elif isinstance(instance, list) and isinstance(schema, dict) and "items" in schema:
        for i, item in enumerate(instance):
            problems.extend(
                _unknown_members(schema["items"], f"{pointer}/items", item, f"{where}/{i}")
            )
    return problems


def _nulls(instance: Any, where: str) -> list[str]:
    if isinstance(instance, dict):
        out = [f"{where}/{k}: null (the API omits nulls)" for k, v in instance.items() if v is None]
        for k, v in instance.items():
            out.extend(_nulls(v, f"{where}/{k}"))
        return out
    if isinstance(instance, list):
        return [p for i, v in enumerate(instance) for p in _nulls(v, f"{where}/{i}")]
    return []


def _check_pointer(pointer: str, instance: Any, where: str, strict: bool) -> list[str]:
    problems = _pointer_errors(pointer, instance, where)
    if strict:
        problems.extend(_unknown_members(_lookup(pointer), pointer, instance, where))
    return problems


def _raise(problems: list[str], what: str) -> None:
    if problems:
        raise SpecViolation(f"{what} violates the spec:\n  " + "\n  ".join(problems))


def _as_json(body: Any) -> Any:
    if isinstance(body, bytes | bytearray | str):
        text = body.decode() if isinstance(body, bytes | bytearray) else body
        return json.loads(text) if text.strip() else None
    return body


def validate_schema(name: str, instance: Any, *, strict: bool = True) -> None:
    """Validate against `#/components/schemas/<name>`."""
    pointer = f"/components/schemas/{_escape(name)}"
    _raise(_check_pointer(pointer, instance, "", strict), f"{name} instance")


def validate_response(
    method: str, path_template_or_url: str, status: int, body_json: Any, *, strict: bool = True
) -> None:
    """Validate a response body (parsed JSON, or bytes/str) for an operation and status.
    `strict` also rejects undeclared members and `null` values (the API omits nulls)."""
    op, _ = find_operation(method, path_template_or_url)
    body = _as_json(body_json)
    what = f"{op.operation_id} {status} response"
    responses = op.node["responses"]
    key = (
        str(status) if str(status) in responses else ("default" if "default" in responses else None)
    )
    problems: list[str] = []
    if key is None:
        if 200 <= status < 300:
            raise SpecViolation(f"{what}: status {status} is not declared")
        problems.extend(_schema_errors(ERROR_ENVELOPE, body, ""))
    else:
        response, pointer = _deref(responses[key], f"{op.pointer}/responses/{key}")
        content = response.get("content", {}).get("application/json")
        if content is None or "schema" not in content:
            if body not in (None, {}, ""):
                problems.append(f"no body is declared but got {body!r}")
        else:
            schema_ptr = f"{pointer}/content/application~1json/schema"
            problems.extend(_check_pointer(schema_ptr, body, "", strict))
    if status >= 400 and isinstance(body, dict):
        code = body.get("error", {}).get("code") if isinstance(body.get("error"), dict) else None
        if code != status:
            problems.append(f"/error/code is {code!r}, expected {status}")
    if strict and body is not None:
        problems.extend(_nulls(body, ""))
    _raise(problems, what)


def _query_value(pointer: str, raw: str) -> Any:
    schema, _ = _deref(_lookup(pointer), pointer)
    kind = schema.get("type")
    if kind == "integer":
        try:
            return int(raw)
        except ValueError:
            return raw
    if kind == "boolean":
        return {"true": True, "false": False}.get(raw, raw)
    return raw


def validate_request(
    method: str,
    url: str,
    query_pairs: Iterable[tuple[str, str]] | None = None,
    headers: Mapping[str, str] | None = None,
    body: Any = None,
    *,
    strict: bool = True,
) -> None:
    """Validate a request: path parameters (E.164 phone numbers, percent-encoded when
    `strict`), query parameters (declared, required, enum and format; repeated keys only for
    arrays), an Authorization header when `headers` is given, and the JSON body against the
    request body schema. `url` is the URL or path as sent (not decoded); `query_pairs`
    defaults to its query."""
    op, path_params = find_operation(method, url)
    what = f"{op.operation_id} request"
    problems: list[str] = []
    params = op.parameters()
    if query_pairs is None:
        query_pairs = parse_qsl(urlsplit(url).query, keep_blank_values=True)
    pairs = list(query_pairs)
    raw_params: dict[str, str] = {}
    if path_params:
        raw_path = urlsplit(url).path
        raw_path = raw_path[raw_path.index("/v1/") :] if "/v1/" in raw_path else raw_path
        raw_match = _template_regex(op.template).fullmatch(raw_path)
        raw_params = raw_match.groupdict() if raw_match else {}
    for (where, name), (_, pointer) in params.items():
        if where == "path" and name in path_params:
            value = path_params[name]
            if name == "phoneNumber" and not _E164.fullmatch(value):
                problems.append(f"path {name}: {value!r} is not E.164")
            if name == "phoneNumber" and strict and "+" in raw_params.get(name, ""):
                # The spec wants E.164 numbers percent-encoded in paths; a raw "+" is decoded
                # as a space by form-style decoders.
                problems.append(
                    f"path {name}: the E.164 '+' is sent raw, not percent-encoded as %2B"
                )
            problems.extend(_pointer_errors(f"{pointer}/schema", value, f"path {name}"))
    seen: dict[str, list[str]] = {}
    for key, value in pairs:
        seen.setdefault(key, []).append(value)
    for key, values in seen.items():
        found = params.get(("query", key))
        if found is None:
            if strict:
                problems.append(f"query {key}: not a parameter of {op.operation_id}")
            continue
        schema, schema_ptr = _deref(found[0]["schema"], f"{found[1]}/schema")
        if schema.get("type") == "array":
            items_ptr = f"{schema_ptr}/items"
            for v in values:
                problems.extend(
                    _pointer_errors(items_ptr, _query_value(items_ptr, v), f"query {key}")
                )
        else:
            if len(values) > 1:
                problems.append(f"query {key}: repeated but not an array")
            for v in values:
                problems.extend(
                    _pointer_errors(schema_ptr, _query_value(schema_ptr, v), f"query {key}")
                )
    for (where, name), (param, _) in params.items():
        if where == "query" and param.get("required") and name not in seen:
            problems.append(f"query {name}: required but missing")
    if headers is not None:
        auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        if auth.split(" ")[0].lower() not in ("basic", "bearer"):
            problems.append("header Authorization: Basic or Bearer credentials required")
    data = _as_json(body)
    request_body = op.node.get("requestBody")
    if request_body is None:
        if data not in (None, {}):
            problems.append(f"body: the operation takes no body but got {data!r}")
    else:
        request_body, pointer = _deref(request_body, f"{op.pointer}/requestBody")
        content = request_body.get("content", {})
        if "application/json" in content:
            if data is None:
                if request_body.get("required"):
                    problems.append("body: required but missing")
            else:
                schema_ptr = f"{pointer}/content/application~1json/schema"
                problems.extend(_check_pointer(schema_ptr, data, "body", strict))
    _raise(problems, what)


def validate_callback(body: bytes | str | Mapping[str, Any], *, strict: bool = True) -> None:
    """Validate a callback payload against `CallbackPayload`. `failureCode: null`, which
    Sinch sends on success although the schema has no null, is accepted."""
    data = _as_json(body)
    if isinstance(data, dict) and data.get("failureCode", "") is None:
        data = {k: v for k, v in data.items() if k != "failureCode"}
    validate_schema("CallbackPayload", data, strict=strict)
