"""OpenAPI for routes that answer with files (CSV, XLSX, Parquet, HTML) as well as JSON.

Litestar documents a `Response[bytes]` route as a JSON string; these operations say what is really sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from litestar.openapi.spec import OpenAPIFormat, OpenAPIMediaType, OpenAPIResponse, OpenAPIType, Operation, Schema


def documents(*media_types: str) -> type[Operation]:
    """An Operation class whose 200 response is one of `media_types` (JSON as an object, others as files)."""
    kinds = tuple(t.split(";")[0].strip() for t in media_types)

    @dataclass
    class FileOperation(Operation):
        def __post_init__(self) -> None:
            ok = self.responses.get("200") if self.responses else None
            if isinstance(ok, OpenAPIResponse):
                ok.content = {
                    t: OpenAPIMediaType(schema=Schema(type=OpenAPIType.OBJECT) if t == "application/json"
                                        else Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY))
                    for t in kinds
                }

    return FileOperation
