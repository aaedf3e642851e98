"""Check requests against the upstream contracts in ../shared/contracts (OpenAPI and tautulli-api.md)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
import json
from pathlib import Path
import re
from typing import Any

import yaml  # type: ignore[import-untyped]

CONTRACTS = Path(__file__).resolve().parents[3] / "shared" / "contracts"
AUTH_QUERY = {"sonarr": {"apikey"}, "radarr": {"apikey"}, "tmdb": {"api_key"}}
OVERSEERR_FAMILY = ("overseerr", "jellyseerr", "seerr")
# Commands the reference only lists in its index; parameters from Tautulli's handler
# signatures (add/set take the agent's own config keys as extra parameters).
TAUTULLI_EXTRA = {
    "get_notifiers": {"notify_action"},
    "add_notifier_config": {"agent_id"},
    "set_notifier_config": {"notifier_id", "agent_id"},
    "delete_notifier": {"notifier_id"},
    # api2.py notify(notifier_id, subject, body, **kwargs): headers, script_args.
    "notify": {"notifier_id", "subject", "body", "headers", "script_args"},
}
TAUTULLI_AGENT_CONFIG = re.compile(r"^(friendly_name|webhook_\w+|on_\w+)$")


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation of an OpenAPI document."""

    method: str
    pattern: re.Pattern[str]
    template: str
    query: frozenset[str]


@cache
def load_spec(name: str) -> dict[str, Any]:
    """Load an OpenAPI document by service name."""
    for suffix in ("json", "yml"):
        path = CONTRACTS / f"{name}-openapi.{suffix}"
        if path.exists():
            text = path.read_text(encoding="utf-8")
            loaded: dict[str, Any] = (
                json.loads(text) if suffix == "json" else yaml.safe_load(text)
            )
            return loaded
    raise FileNotFoundError(name)


@cache
def operations(name: str) -> tuple[Operation, ...]:
    """Return every operation of a spec; Overseerr-family paths get the /api/v1 prefix."""
    spec = load_spec(name)
    prefix = "/api/v1" if name in OVERSEERR_FAMILY else ""
    result = []
    for template, item in spec["paths"].items():
        shared = [p for p in item.get("parameters", []) if isinstance(p, dict)]
        regex = re.sub(r"\{[^}]+\}", "[^/]+", prefix + template)
        for method, operation in item.items():
            if method == "parameters" or not isinstance(operation, dict):
                continue
            params = shared + [
                p for p in operation.get("parameters", []) if isinstance(p, dict)
            ]
            result.append(
                Operation(
                    method=method.upper(),
                    pattern=re.compile(f"^{regex}$"),
                    template=prefix + template,
                    query=frozenset(
                        p["name"] for p in params if p.get("in") == "query"
                    ),
                )
            )
    return tuple(result)


@cache
def tautulli_commands() -> dict[str, frozenset[str] | None]:
    """Return {command: parameter names} from tautulli-api.md (None: only listed in the index)."""
    text = (CONTRACTS / "tautulli-api.md").read_text(encoding="utf-8")
    commands: dict[str, frozenset[str] | None] = dict.fromkeys(
        re.findall(r"^\| `(\w+)` \| \w+\.py:", text, flags=re.MULTILINE)
    )
    for section in re.split(r"^### ", text, flags=re.MULTILINE)[1:]:
        name = re.match(r"`(\w+)`", section)
        if not name:
            continue
        block = re.search(
            r"Required parameters:(.*?)Returns:", section, flags=re.DOTALL
        )
        params = set()
        if block:
            for line in block.group(1).splitlines():
                found = re.match(r"^ {4}(\w+)\b", line)
                if found and found.group(1) not in {"None", "Optional"}:
                    params.add(found.group(1))
        commands[name.group(1)] = frozenset(params)
    return commands


def contract_violations(
    service: str, method: str, path: str, query: dict[str, list[str]]
) -> list[str]:
    """Return why a request is not declared by the service's contract (empty when it is)."""
    if service == "tautulli":
        return _tautulli_violations(method, path, query)
    names = set(query) - AUTH_QUERY.get(service, set())
    specs = OVERSEERR_FAMILY if service == "overseerr" else (service,)
    problems = []
    for spec in specs:
        matches = [
            op
            for op in operations(spec)
            if op.method == method and op.pattern.match(path)
        ]
        if not matches:
            problems.append(f"{spec}: {method} {path} is not in the spec")
            continue
        # The most specific template wins (literal segments beat {params}).
        best = max(
            matches, key=lambda op: op.template.count("/") - op.template.count("{")
        )
        if unknown := names - best.query:
            problems.append(
                f"{spec}: {method} {best.template} has no query {sorted(unknown)}"
            )
    return problems


def _tautulli_violations(
    method: str, path: str, query: dict[str, list[str]]
) -> list[str]:
    """Check a Tautulli request: /api/v2, a known cmd and its documented parameters."""
    if method != "GET" or path != "/api/v2":
        return [f"tautulli: {method} {path} is not the API endpoint"]
    cmd = (query.get("cmd") or [""])[0]
    commands = tautulli_commands()
    if cmd not in commands:
        return [f"tautulli: unknown command {cmd!r}"]
    allowed = (commands[cmd] or frozenset()) | TAUTULLI_EXTRA.get(cmd, set())
    names = set(query) - {"apikey", "cmd"}
    unknown = {
        name
        for name in names - allowed
        if not (cmd == "set_notifier_config" and TAUTULLI_AGENT_CONFIG.match(name))
    }
    return [f"tautulli: {cmd} has no parameter {sorted(unknown)}"] if unknown else []


SCALARS: dict[str, Any] = {"integer": 7, "number": 3, "boolean": True}


def sample(schema: dict[str, Any], spec: dict[str, Any], depth: int = 0) -> Any:
    """Build a spec-valid instance of a schema (examples first, every property filled)."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return sample(spec["components"]["schemas"][name], spec, depth + 1)
    if "example" in schema:
        return schema["example"]
    if "allOf" in schema:
        return _merged(schema["allOf"], spec, depth)
    if alternatives := schema.get("oneOf") or schema.get("anyOf"):
        return sample(alternatives[0], spec, depth + 1)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next(k for k in kind if k != "null")
    if kind == "object" or "properties" in schema:
        return _object(schema, spec, depth)
    if kind == "array":
        return [] if depth > 6 else [sample(schema.get("items", {}), spec, depth + 1)]
    if schema.get("format") == "date-time":
        return "2024-05-06T07:08:09Z"
    return SCALARS.get(str(kind), "text")


def _merged(
    parts: list[dict[str, Any]], spec: dict[str, Any], depth: int
) -> dict[str, Any]:
    """Merge the samples of allOf parts."""
    merged: dict[str, Any] = {}
    for part in parts:
        value = sample(part, spec, depth + 1)
        if isinstance(value, dict):
            merged.update(value)
    return merged


def _object(schema: dict[str, Any], spec: dict[str, Any], depth: int) -> dict[str, Any]:
    """Fill every property of an object schema (empty when nested too deep)."""
    if depth > 6:
        return {}
    return {
        name: sample(sub, spec, depth + 1)
        for name, sub in schema.get("properties", {}).items()
    }


def response_sample(name: str, method: str, template: str) -> Any:
    """Build a spec-valid instance of an operation's 200 (or 201) JSON response."""
    spec = load_spec(name)
    responses = spec["paths"][template][method.lower()]["responses"]
    content = (responses.get("200") or responses.get("201"))["content"]
    media = content.get("application/json") or next(iter(content.values()))
    return sample(media["schema"], spec)
