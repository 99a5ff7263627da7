"""Publish the contract's JSON Schema: ``python -m vigil.records.schema > docs/records.schema.json``."""

from __future__ import annotations

import orjson

from vigil.records.contract import json_schema


def schema_text() -> str:
    return (
        orjson.dumps(json_schema(), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode()
        + "\n"
    )


if __name__ == "__main__":
    print(schema_text(), end="")
