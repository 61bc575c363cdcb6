"""The API contract: the OpenAPI document is generated from the route table, and everything a client
author needs is added here centrally, so a new route gets it without anyone remembering to:

- summary and description from the handler's docstring, the roles its guard admits (`x-roles`) or
  `security: []` when it is public, the problem documents it can answer with, and an
  `Idempotency-Key` header on every write;
- schemas that say what the server accepts: Litestar writes an integer's bounds as floats and a
  constrained `dict` as an array with `maxLength`; the plugins below correct both;
- the docs page (/schema) with Swagger UI served by the service itself: the content-security policy
  allows scripts from 'self' only, and a county network may not reach a CDN.

The committed document (openapi/openapi.json) is exactly what `render()` generates (checked by a test).
"""

from __future__ import annotations

import dataclasses
import json
import re
import typing
from collections.abc import Mapping
from functools import partial
from inspect import cleandoc
from typing import TYPE_CHECKING, Any

from litestar import get
from litestar.handlers import HTTPRouteHandler
from litestar.openapi import OpenAPIConfig
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, OpenAPIType, Operation, Parameter, Reference, Schema, SecurityScheme
from litestar.plugins import OpenAPISchemaPlugin
from litestar.plugins.pydantic import PydanticSchemaPlugin
from litestar.static_files import create_static_files_router
from litestar.typing import FieldDefinition
from litestar.utils.helpers import unwrap_partial

from service import money
from service.auth.guards import PUBLIC
from service.errors import PROBLEM_MEDIA_TYPE, PROBLEM_STATUSES, Problem
from service.reports.formats import MEDIA
from service.schemas import Input
from service.writes import IDEMPOTENCY_HEADER

if TYPE_CHECKING:
    from litestar import Litestar, Request, Router
    from litestar._openapi.schema_generation import SchemaCreator

SCHEMA_PATH = "/schema"
BEARER: dict[str, list[str]] = {"BearerToken": []}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
IDEMPOTENCY_KEY = Parameter(
    name=IDEMPOTENCY_HEADER, param_in="header", required=False,  # type: ignore[arg-type]
    description="Any unique string (1 to 255 printable characters) per intended write. A retry with the same key and the same request gets the "
                "first response again (header Idempotent-Replayed: true) and writes nothing; the same key with "
                "another request is refused with 409. Keys are kept 48 hours by default.",
    # 1 to 255 printable characters (str.isprintable, as service/writes.py checks) of what a header carries
    schema=Schema(type=OpenAPIType.STRING, min_length=1, max_length=255,
                  pattern=r"^[\x20-\x7e\xa1-\xac\xae-\xff]*[\x21-\x7e\xa1-\xac\xae-\xff][\x20-\x7e\xa1-\xac\xae-\xff]*$"),
)


# --- schemas ---------------------------------------------------------------------------------------


class IntegerBounds(OpenAPISchemaPlugin):
    """Integer bounds as integers: Litestar writes `le=2**62` as 4.611686018427388e+18, a float that
    client generators read as a `number` (and that rounds above 2**53)."""

    BOUNDS = ("ge", "gt", "le", "lt", "multiple_of")

    def is_plugin_supported_field(self, field_definition: FieldDefinition) -> bool:
        kwargs = field_definition.kwarg_definition
        return field_definition.annotation is int and any(getattr(kwargs, b, None) is not None for b in self.BOUNDS)

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: SchemaCreator) -> Schema:
        return self.bounds(Schema(type=OpenAPIType.INTEGER), field_definition.kwarg_definition)

    @staticmethod
    def bounds(schema: Schema, k: Any) -> Schema:
        for attr, bound in (("minimum", k.ge), ("maximum", k.le), ("exclusive_minimum", k.gt),
                            ("exclusive_maximum", k.lt), ("multiple_of", k.multiple_of)):
            if bound is not None and getattr(schema, attr) is None:
                setattr(schema, attr, bound)
        return schema


def _optional_integer_bounds(handler: HTTPRouteHandler, params: list[Any]) -> None:
    """An `int | None` query parameter's bounds, which Litestar leaves out (a plugin cannot take a union)."""
    fields = handler.parsed_fn_signature.parameters
    for param in params:
        kwargs = getattr(fields.get(param.name), "kwarg_definition", None)
        if kwargs is None or not isinstance(param.schema, Schema):
            continue
        for alt in param.schema.one_of or []:
            if isinstance(alt, Schema) and alt.type == OpenAPIType.INTEGER:
                IntegerBounds.bounds(alt, kwargs)


_ALIASES = Schema.field_aliases()  # JSON Schema keyword -> Schema attribute
_SUBSCHEMAS = {"additionalProperties", "propertyNames", "items"}
# What pydantic validates and Litestar leaves out of a property (it drops `pattern` altogether).
_RULES = ("pattern", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
          "multipleOf", "minItems", "maxItems", "minProperties", "maxProperties", "propertyNames", "not")


def _spec(node: dict[str, Any]) -> Schema:
    """A pydantic JSON Schema fragment (no $ref) as Litestar's Schema object."""
    kwargs: dict[str, Any] = {}
    for key, value in node.items():
        if key == "title":
            continue
        if (key in _SUBSCHEMAS or key == "not") and isinstance(value, dict):
            value = _spec(value)
        elif key in ("anyOf", "oneOf", "allOf"):
            value = [_spec(v) for v in value]
        elif key == "type":
            value = OpenAPIType(value)
        kwargs[_ALIASES.get(key, key)] = value
    return Schema(**kwargs)


def _add_rules(schema: Any, truth: dict[str, Any]) -> None:
    """Copy into Litestar's `schema` the validation rules pydantic's `truth` has and it lacks."""
    if not isinstance(schema, Schema) or "$ref" in truth:
        return
    alternatives = truth.get("anyOf") or truth.get("oneOf")
    if alternatives and (schema.one_of or schema.any_of):
        for alt in schema.one_of or schema.any_of or []:
            same = [t for t in alternatives if isinstance(alt, Schema) and t.get("type") == alt.type]
            if len(same) == 1:
                _add_rules(alt, same[0])
        return
    for key in _RULES:
        attr = _ALIASES.get(key, key)
        if key in truth and getattr(schema, attr, None) is None:
            setattr(schema, attr, _spec(truth[key]) if isinstance(truth[key], dict) else truth[key])
    if "format" in truth:  # pydantic's: Litestar documents a `time` as a duration
        schema.format = truth["format"]
    for key in ("items", "additionalProperties"):
        if isinstance(truth.get(key), dict):
            _add_rules(getattr(schema, _ALIASES.get(key, key)), truth[key])


# service.schemas.Input refuses control characters in every string and strips whitespace before the
# length check: the document says so, or a client would send what the server refuses.
_CONTROLS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
_TEXT = rf"^[^{_CONTROLS}]*$"
_NOT_BLANK = rf"^[^{_CONTROLS}]*[^\s{_CONTROLS}][^{_CONTROLS}]*$"


# An amount a client sends is never negative (only ledger postings are signed) and never beyond
# money.MAX_MINOR; outputs keep the signed pattern (balances may be negative).
_INPUT_AMOUNT = r"^[0-9]{1,13}(\.[0-9]{1,2})?$"


class FreeJSON:
    """Any JSON value whose strings (keys too) have no control characters: what Input takes in a
    free-form field such as a GeoJSON route."""


def _free_json(registry: Any) -> Reference:
    field = FieldDefinition.from_annotation(FreeJSON)
    schema = registry.get_schema_for_field_definition(field)
    ref = registry.get_reference_for_field_definition(field)
    if schema.any_of is None:
        schema.title, schema.description = "FreeJSON", cleandoc(FreeJSON.__doc__ or "")
        schema.any_of = [
            Schema(type=OpenAPIType.STRING, pattern=_TEXT),
            Schema(type=[OpenAPIType.NUMBER, OpenAPIType.BOOLEAN, OpenAPIType.NULL]),
            Schema(type=OpenAPIType.ARRAY, items=ref),
            Schema(type=OpenAPIType.OBJECT, property_names=Schema(pattern=_TEXT), additional_properties=ref),
        ]
    return ref


def _input_text(schema: Any, *, key: bool = False, free: Reference | None = None) -> None:
    """Add Input's string rules to every string in `schema` (a property of an input model); a dict's
    keys (`key`) are strings whether or not their schema says so."""
    if not isinstance(schema, Schema):
        return
    if schema.pattern == money.AMOUNT_PATTERN:
        schema.pattern = _INPUT_AMOUNT
    if (key or schema.type == OpenAPIType.STRING) and not (schema.enum or schema.format):
        rule = _NOT_BLANK if schema.min_length else _TEXT
        if schema.pattern is None:
            schema.pattern = rule
        elif re.search(schema.pattern, "\x01") or (schema.min_length and re.search(schema.pattern, " ")):
            schema.all_of = [*(schema.all_of or []), Schema(pattern=rule)]
    if schema.type == OpenAPIType.OBJECT and schema.additional_properties == Schema() and free is not None:
        schema.additional_properties = free  # dict[str, Any]
        schema.property_names = schema.property_names or Schema()
    for sub in (*(schema.one_of or []), *(schema.any_of or []), schema.items, schema.additional_properties):
        _input_text(sub, free=free)
    _input_text(schema.property_names, key=True)


def _is_mapping(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (dict, Mapping)


class PydanticModels(PydanticSchemaPlugin):
    """Litestar's pydantic schemas, corrected by pydantic's own JSON Schema: every validation rule it
    dropped (patterns, the bounds of optional fields) is added, and a `dict` field is the object pydantic
    validates (size as maxProperties, key rules as propertyNames), not an array with maxLength."""

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: SchemaCreator) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        model = field_definition.annotation
        if schema.properties and hasattr(model, "model_json_schema"):
            self._add_model_rules(model, schema.properties, _free_json(schema_creator.schema_registry))
        if isinstance(model, type) and issubclass(model, Input):
            schema.additional_properties = False  # inputs refuse unknown fields
        return schema

    def _add_model_rules(self, model: Any, properties: dict[str, Any], free: Reference) -> None:
        mode = "validation" if issubclass(model, Input) else "serialization"
        truth = model.model_json_schema(by_alias=self.prefer_alias, mode=mode).get("properties", {})
        for name, info in model.model_fields.items():
            key = info.alias if self.prefer_alias and info.alias else name
            node = truth.get(key)
            if key not in properties or node is None:
                continue
            if _is_mapping(info.annotation) and "$ref" not in json.dumps(node):
                properties[key] = _spec(node)
            else:
                _add_rules(properties[key], node)
            if mode == "validation":
                _input_text(properties[key], free=free)


schema_plugins = [IntegerBounds(), PydanticModels(prefer_alias=True)]


# --- operations ------------------------------------------------------------------------------------


def guard_roles(handler: HTTPRouteHandler) -> list[str] | None:
    """The roles every guard on the handler admits (admins always), or None when it has no role guard."""
    roles: set[str] | None = None
    for guard in handler.resolve_guards():
        admitted = getattr(getattr(guard, "func", guard), "roles", None)
        if admitted is not None:
            names = {str(r) for r in admitted}
            roles = names if roles is None else roles & names
    return sorted(roles) if roles is not None else None


def is_public(handler: HTTPRouteHandler) -> bool:
    return all(handler.opt.get(k) == v for k, v in PUBLIC.items())


def _formats(handler: HTTPRouteHandler) -> list[str] | None:
    """The values of the handler's `format` query parameter, when it has one."""
    param = handler.parsed_fn_signature.parameters.get("format")
    if param is None or typing.get_origin(param.annotation) is not typing.Literal:
        return None
    return list(typing.get_args(param.annotation))


def _applicable_problems(op: Operation, public: bool, writes: bool) -> set[str]:
    params = op.parameters or []
    inputs = bool(params or op.request_body)
    applicable = {"429"}
    if inputs:
        applicable |= {"400", "422"}
    if not public:
        applicable |= {"401", "403"}
    if op.request_body or any(isinstance(p, Parameter) and (p.param_in == "path" or p.name.endswith("_id")) for p in params):
        applicable.add("404")  # an unknown (or out-of-scope) id in the path, the query or the body
    if writes:
        applicable.add("409")
    if op.request_body:
        applicable.add("413")
    return applicable


@dataclasses.dataclass
class DocumentedOperation(Operation):
    """An operation that also names the roles allowed to call it."""

    x_roles: list[str] | None = dataclasses.field(default=None, metadata={"alias": "x-roles"})


def _document(handler: HTTPRouteHandler, make: type[Operation], **kwargs: Any) -> Operation:
    op = make(**kwargs)
    public, roles = is_public(handler), guard_roles(handler)
    writes = bool(handler.http_methods & WRITES)
    docstring = cleandoc(unwrap_partial(handler.fn).__doc__ or "")
    summary, _, more = docstring.partition("\n")
    access = "Public: no token needed." if public else f"Roles: {', '.join(roles or ['none'])}."
    fields = {f.name: getattr(op, f.name) for f in dataclasses.fields(Operation)}
    fields["summary"] = handler.summary or summary.strip() or op.summary
    fields["description"] = "\n\n".join(p for p in (handler.description or more.strip(), access) if p)
    fields["security"] = [] if public else [BEARER]
    _optional_integer_bounds(handler, op.parameters or [])
    if writes:
        fields["parameters"] = [*(op.parameters or []), IDEMPOTENCY_KEY]
    keep = _applicable_problems(op, public, writes) | set(handler.opt.get("problems", ()))  # a route's own
    fields["responses"] = {code: r for code, r in (op.responses or {}).items()
                           if code not in PROBLEM_CODES or code in keep}
    if (formats := _formats(handler)) and (ok := fields["responses"].get("200")) and ok.content:
        offered = {MEDIA[f].split(";")[0] for f in formats if f in MEDIA}
        ok.content = {t: v for t, v in ok.content.items() if t in offered}
    return DocumentedOperation(**fields, x_roles=None if public else roles)


PROBLEM_CODES = {str(code) for code in PROBLEM_STATUSES}


def document(app: Litestar) -> None:
    """Every operation: summary, description, roles, problem responses, the Idempotency-Key on writes."""
    problems = {code: ResponseSpec(data_container=Problem, description=text, media_type=PROBLEM_MEDIA_TYPE,
                                   generate_examples=False)
                for code, text in PROBLEM_STATUSES.items()}
    seen: set[int] = set()
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if isinstance(handler, HTTPRouteHandler) and id(handler) not in seen:
                seen.add(id(handler))
                handler.responses = {**problems, **(handler.responses or {})}
                handler.operation_class = partial(_document, handler, handler.operation_class)  # type: ignore[assignment]


# --- the docs page ---------------------------------------------------------------------------------

SWAGGER_INIT = b"""\
// Swagger UI, started from a file: the content-security policy refuses inline scripts.
window.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: box.dataset.url,
    dom_id: "#swagger-ui",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  });
});
"""


class LocalSwagger(SwaggerRenderPlugin):
    """Swagger UI from the swagger-ui-bundle package, served under /schema/static, no inline script."""

    def __init__(self) -> None:
        static = f"{SCHEMA_PATH}/static"
        super().__init__(js_url=f"{static}/swagger-ui-bundle.js", css_url=f"{static}/swagger-ui.css",
                         standalone_preset_js_url=f"{static}/swagger-ui-standalone-preset.js")

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        title = openapi_schema["info"]["title"]
        return f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title}</title>
  <link rel="stylesheet" href="{self.css_url}">
</head>
<body>
  <div id="swagger-ui" data-url="{SCHEMA_PATH}/openapi.json"></div>
  <script src="{self.js_url}"></script>
  <script src="{self.standalone_preset_js_url}"></script>
  <script src="{SCHEMA_PATH}/swagger-init.js"></script>
</body>
</html>
""".encode()

    def receive_router(self, router: Router) -> None:
        from swagger_ui_bundle import swagger_ui_path

        super().receive_router(router)
        router.register(create_static_files_router("/static", directories=[swagger_ui_path],
                                                   include_in_schema=False, name="swagger-ui-files"))
        router.register(get("/swagger-init.js", media_type="text/javascript", sync_to_thread=False,
                            include_in_schema=False)(_swagger_init))


def _swagger_init() -> bytes:
    return SWAGGER_INIT


def config(version: str) -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Shanshui Ledger",
        version=version,
        description="Append-only, tamper-evident ledger for ecological compensation and benefit sharing. "
                    "Every operation names the roles that may call it (x-roles); writes take an Idempotency-Key.",
        components=Components(security_schemes={"BearerToken": SecurityScheme(type="http", scheme="bearer")}),
        security=[BEARER],
        path=SCHEMA_PATH,
        render_plugins=[LocalSwagger()],
    )


def render() -> str:
    from service.app import create_app
    from service.settings import Settings

    app = create_app(Settings(database_url="sqlite+aiosqlite:///:memory:"))
    return json.dumps(app.openapi_schema.to_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"

