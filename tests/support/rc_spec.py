"""Check bodies against RingCentral's OpenAPI description (`tests/fixtures/ringcentral/`).

`validate_response`, `validate_request_body` and `validate_query` raise `SpecViolation` (an
AssertionError, so pytest shows it as a failed check) listing every mismatch with its location.

How the OpenAPI 3.0 schemas become JSON Schema (draft 4, which 3.0 schemas are based on):
- `nullable: true` allows `null`; `#/components/...` refs resolve inside the extracted document;
- `example`, `discriminator`, `x-*` are annotations; of the formats only `email` is checked
  (`ProvisioningSiteInfo.id` is declared `format: uri` yet holds ids like "main-site").
- Known gap: `AllExtensionTypesEnum` lacks `CompanyExtension`, the type of the company (main
  site) extension that RingCentral's thread-messaging guide tells clients to filter by; it is added.
- An error status an operation does not declare (401 and 429 almost everywhere) is checked against
  the standard error model every RingCentral error uses (`ApiErrorResponseModel`; for the token
  endpoint, the OAuth error model).
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SPEC_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "ringcentral"
SPEC_FILE = SPEC_DIR / "relevant-operations.json"
_BASE = "urn:ringcentral:relevant-operations"

# components/parameters are not part of the extracted file; these are copied from RingCentral's
# public OpenAPI description, rc-public-openapi.yml
# (components.parameters.AccountId/ExtensionId/Page/PerPage).
_SHARED_PARAMETERS: dict[str, dict[str, Any]] = {
    "AccountId": {"name": "accountId", "in": "path", "schema": {"type": "string"}},
    "ExtensionId": {"name": "extensionId", "in": "path", "schema": {"type": "string"}},
    "Page": {
        "name": "page",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": 1000},
    },
    "PerPage": {"name": "perPage", "in": "query", "schema": {"type": "integer", "minimum": 1}},
}


class SpecViolation(AssertionError):
    """A body or parameter does not match what the specification declares."""


@functools.cache
def document() -> dict[str, Any]:
    """The extracted specification, turned into plain JSON Schema (see the module docstring)."""
    raw = json.loads(SPEC_FILE.read_text(encoding="utf-8"))
    doc = _json_schema(copy.deepcopy(raw))
    doc["components"]["schemas"]["AllExtensionTypesEnum"]["enum"].append("CompanyExtension")
    return doc


def _json_schema(node: Any) -> Any:
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False) is True:
        if "type" in node:
            node["type"] = [node["type"], "null"]
            if "enum" in node:
                node["enum"] = [*node["enum"], None]
        else:
            return {"anyOf": [node, {"type": "null"}]}
    return node


@functools.cache
def _registry() -> Registry:
    resource = Resource.from_contents(document(), default_specification=DRAFT4)
    return Registry().with_resource(_BASE, resource)


def operation(operation_id: str) -> tuple[str, str, dict[str, Any]]:
    """(path, method, operation object) for an operationId."""
    for path, item in document()["paths"].items():
        for method, op in item.items():
            if isinstance(op, dict) and op.get("operationId") == operation_id:
                return path, method.upper(), op
    raise KeyError(f"operation {operation_id!r} is not in {SPEC_FILE.name}")


def operation_ids() -> list[str]:
    return [
        op["operationId"]
        for item in document()["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    ]


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    """Follow a `#/components/...` reference (responses, parameters) to its object."""
    while "$ref" in node:
        ref = node["$ref"]
        kind, _, name = ref.removeprefix("#/components/").partition("/")
        if kind == "parameters":
            return _SHARED_PARAMETERS[name]
        node = document()["components"][kind][name]
    return node


def _check(schema: dict[str, Any], instance: Any, what: str) -> None:
    validator = jsonschema.Draft4Validator(
        _anchored(schema),
        registry=_registry(),
        format_checker=jsonschema.FormatChecker(formats=("email",)),
    )
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [
            f"  at {'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"
            for e in errors[:20]
        ]
        raise SpecViolation(f"{what} does not match the spec:\n" + "\n".join(lines))


def _anchored(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` with its refs made absolute, so they resolve inside the spec document."""

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        return {
            key: (_BASE + value if key == "$ref" and value.startswith("#") else walk(value))
            for key, value in node.items()
        }

    result: dict[str, Any] = walk(schema)
    return result


def _parse(body: Any) -> Any:
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    if isinstance(body, str):
        return json.loads(body) if body.strip() else None
    return body


def _json_schema_of(content: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not content:
        return None
    for media in ("application/json", "application/x-www-form-urlencoded"):
        if media in content and "schema" in content[media]:
            schema: dict[str, Any] = content[media]["schema"]
            return schema
    return None


def validate_response(operation_id: str, status: int, body: Any) -> None:
    """Check an answer's body (dict, JSON text or bytes; None/empty for no body)."""
    _, method, op = operation(operation_id)
    what = f"{method} {operation_id} answer {status}"
    declared = op.get("responses", {})
    data = _parse(body)
    if str(status) in declared:
        response = _resolve(declared[str(status)])
        schema = _json_schema_of(response.get("content"))
        if schema is None:
            if data is not None and status == 204:
                raise SpecViolation(f"{what} must have no body, got {data!r}")
            return
    elif status >= 400:
        if operation_id == "getToken":
            schema = _json_schema_of(
                document()["components"]["responses"]["OauthInvalidRequest"]["content"]
            )
        else:
            schema = {"$ref": "#/components/schemas/ApiErrorResponseModel"}
        assert schema is not None
    else:
        raise SpecViolation(f"{what}: status {status} is not declared by the spec")
    if data is None:
        raise SpecViolation(f"{what} has no body, the spec declares one")
    _check(schema, data, what)


def validate_request_body(operation_id: str, body: Any) -> None:
    """Check a request body (a JSON value, or a dict of form fields for the token endpoint)."""
    _, method, op = operation(operation_id)
    request_body = op.get("requestBody")
    what = f"{method} {operation_id} request body"
    if request_body is None:
        raise SpecViolation(f"{operation_id} takes no request body")
    content = request_body.get("content", {})
    data = _parse(body)
    if "application/x-www-form-urlencoded" in content and isinstance(data, Mapping):
        data = _form_values(content["application/x-www-form-urlencoded"]["schema"], data)
    schema = _json_schema_of(content)
    if schema is None:
        raise SpecViolation(f"{operation_id} declares no schema for its body")
    _check(schema, data, what)


def _form_values(schema: dict[str, Any], form: Mapping[str, Any]) -> dict[str, Any]:
    """Form fields are text; give integer and boolean fields their declared type."""
    kinds = _property_types(schema)
    result: dict[str, Any] = {}
    for key, value in form.items():
        kind = kinds.get(key)
        if kind == "integer" and isinstance(value, str) and value.lstrip("-").isdigit():
            result[key] = int(value)
        elif kind == "boolean" and value in ("true", "false"):
            result[key] = value == "true"
        else:
            result[key] = value
    return result


def _property_types(schema: dict[str, Any]) -> dict[str, str]:
    schema = _resolve(schema) if "$ref" in schema else schema
    kinds: dict[str, str] = {}
    for key in ("allOf", "anyOf", "oneOf"):
        for part in schema.get(key, []):
            kinds.update(_property_types(part))
    for name, prop in schema.get("properties", {}).items():
        prop = _resolve(prop) if "$ref" in prop else prop
        if isinstance(prop.get("type"), str):
            kinds[name] = prop["type"]
    return kinds


def validate_query(
    operation_id: str, params: Iterable[tuple[str, str]] | Mapping[str, str]
) -> None:
    """Check query parameters: each one declared, with a value its schema accepts."""
    _, method, op = operation(operation_id)
    declared = {
        p["name"]: p
        for p in (_resolve(raw) for raw in op.get("parameters", []))
        if p.get("in") == "query"
    }
    pairs = list(params.items()) if isinstance(params, Mapping) else list(params)
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(str(value))
    for name, values in grouped.items():
        if name not in declared:
            raise SpecViolation(
                f"{method} {operation_id}: query parameter {name!r} is not declared"
            )
        schema = declared[name].get("schema", {})
        schema = _resolve(schema) if "$ref" in schema else schema
        if schema.get("type") == "array":
            items = schema.get("items", {})
            items = _resolve(items) if "$ref" in items else items
            value: Any = [_typed(items, v) for v in values]
        elif len(values) > 1:
            raise SpecViolation(f"{method} {operation_id}: {name!r} given {len(values)} times")
        else:
            value = _typed(schema, values[0])
        _check(schema, value, f"{method} {operation_id} query parameter {name!r}")


def _typed(schema: dict[str, Any], text: str) -> Any:
    kind = schema.get("type")
    if kind == "integer":
        try:
            return int(text)
        except ValueError:
            return text
    if kind == "boolean" and text in ("true", "false"):
        return text == "true"
    return text
