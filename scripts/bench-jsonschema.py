#!/usr/bin/env python3
"""python-jsonschema 4.x baseline for issue 6's JSON Schema benchmarks.

  bench-jsonschema.py write DIR         write the DataRequest schema and 100,000 documents
                                        (DIR/datarequest.schema.json, DIR/datarequests.json)
  bench-jsonschema.py datarequests DIR  validate DIR's documents with Draft202012Validator.is_valid
  bench-jsonschema.py suite SUITE [N]   validate every required draft2020-12 test instance N times
                                        (default 5), each schema compiled once, remotes from SUITE/remotes

Each measuring command prints one line: `python-jsonschema <version> <what>: <count> validations
in <seconds> s = <rate>/s`. The Swift benchmark (Benchmarks/UtilsBenchmarks) runs the same
commands on the same files and prints this line beside its own figure.
"""
import glob
import importlib.metadata
import json
import os
import random
import sys
import time

UUID_PATTERN = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"

# SEED.md §8: DataRequest = metadata + request payload (wire names as Messaging's contract).
SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://smartwhale.example/schemas/data-request.json",
    "type": "object",
    "required": ["metadata", "payload"],
    "properties": {
        "metadata": {"$ref": "#/$defs/metadata"},
        "payload": {"$ref": "#/$defs/payload"},
    },
    "additionalProperties": False,
    "$defs": {
        "metadata": {
            "type": "object",
            "required": ["request_id", "timestamp", "source", "destination", "priority"],
            "properties": {
                "request_id": {"type": "string", "pattern": UUID_PATTERN},
                "timestamp": {"type": "string", "format": "date-time"},
                "source": {"type": "string", "minLength": 1, "maxLength": 64},
                "destination": {"type": "string", "minLength": 1, "maxLength": 64},
                "priority": {"type": "integer", "minimum": 1, "maximum": 5},
                "request_source": {"enum": ["user", "model", "system", "scheduled", "api"]},
                "correlation_id": {"type": ["string", "null"]},
                "trace_id": {"type": ["string", "null"]},
                "session_id": {"type": ["string", "null"]},
                "retry_count": {"type": "integer", "minimum": 0},
                "ttl": {"type": ["integer", "null"], "minimum": 0},
                "expires_at": {"type": ["string", "null"]},
            },
        },
        "payload": {
            "type": "object",
            "required": ["operation", "model_id", "data_type"],
            "properties": {
                "operation": {"enum": ["fetch_data", "process_data", "update_data", "delete_data", "monitor_data",
                                       "verify_data", "search_data", "translate_data", "summarize_data", "analyze_data"]},
                "model_id": {"type": "string", "minLength": 1, "maxLength": 128},
                "data_type": {"enum": ["text", "image", "video", "audio", "document", "structured", "mixed"]},
                "data_source": {"enum": ["web", "wiki", "twitter", "telegram", "youtube", "aparat", "news", "book",
                                         "api", "linkedin", "podcast", "rss", "scientific", "database", "custom", None]},
                "parameters": {"type": "object"},
                "response_topic": {"type": "string", "pattern": "^smartwhale\\."},
                "batch_id": {"type": ["string", "null"]},
                "timeout": {"type": "integer", "minimum": 1, "maximum": 3600},
                "max_size": {"type": ["integer", "null"], "minimum": 0},
                "require_fresh": {"type": "boolean"},
                "tags": {"type": "array", "items": {"type": "string", "maxLength": 64}, "maxItems": 32, "uniqueItems": True},
                "context": {"type": "object"},
            },
        },
    },
}


def documents(count=100_000, seed=6):
    rng = random.Random(seed)
    operations = SCHEMA["$defs"]["payload"]["properties"]["operation"]["enum"]
    types = SCHEMA["$defs"]["payload"]["properties"]["data_type"]["enum"]
    sources = SCHEMA["$defs"]["payload"]["properties"]["data_source"]["enum"]
    result = []
    for index in range(count):
        request_id = "%08x-%04x-4%03x-a%03x-%012x" % (rng.getrandbits(32), rng.getrandbits(16), rng.getrandbits(12), rng.getrandbits(12), rng.getrandbits(48))
        document = {
            "metadata": {
                "request_id": request_id,
                "timestamp": "2026-%02d-%02dT%02d:%02d:%02d.%03dZ" % (rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59), rng.randint(0, 999)),
                "source": "balance", "destination": "data", "priority": rng.randint(1, 5),
                "request_source": rng.choice(["user", "model", "system"]),
                "correlation_id": None, "trace_id": "t-%d" % index, "session_id": None,
                "retry_count": rng.randint(0, 3), "ttl": rng.choice([None, 60, 300]), "expires_at": None,
            },
            "payload": {
                "operation": rng.choice(operations), "model_id": "model-%d" % rng.randint(1, 50),
                "data_type": rng.choice(types), "data_source": rng.choice(sources),
                "parameters": {"query": "q%d" % index, "limit": rng.randint(1, 100), "lang": rng.choice(["fa", "en"])},
                "response_topic": "smartwhale.data.responses.model-%d" % rng.randint(1, 50),
                "batch_id": None, "timeout": 30, "max_size": rng.choice([None, 1048576]), "require_fresh": rng.random() < 0.2,
                "tags": ["t%d" % t for t in range(rng.randint(0, 4))], "context": {"user": "u%d" % rng.randint(1, 1000)},
            },
        }
        if index % 10 == 9:  # one in ten breaks a rule somewhere
            broken = rng.randint(0, 3)
            if broken == 0:
                document["metadata"]["priority"] = 9
            elif broken == 1:
                del document["payload"]["model_id"]
            elif broken == 2:
                document["payload"]["tags"] = ["a", "a"]
            else:
                document["metadata"]["request_id"] = "not-a-uuid"
        result.append(document)
    return result


def report(what, count, seconds):
    version = importlib.metadata.version("jsonschema")
    print("python-jsonschema %s %s: %d validations in %.3f s = %.0f/s" % (version, what, count, seconds, count / seconds))


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        sys.exit(2)
    command, path = sys.argv[1], sys.argv[2]
    if command == "write":
        os.makedirs(path, exist_ok=True)
        with open(os.path.join(path, "datarequest.schema.json"), "w") as f:
            json.dump(SCHEMA, f, indent=2)
        with open(os.path.join(path, "datarequests.json"), "w") as f:
            json.dump(documents(), f, separators=(",", ":"))
        return
    import jsonschema
    import referencing
    if command == "datarequests":
        schema = json.load(open(os.path.join(path, "datarequest.schema.json")))
        docs = json.load(open(os.path.join(path, "datarequests.json")))
        validator = jsonschema.Draft202012Validator(schema)
        start = time.perf_counter()
        valid = sum(1 for d in docs if validator.is_valid(d))
        seconds = time.perf_counter() - start
        report("DataRequest x %d (%d valid)" % (len(docs), valid), len(docs), seconds)
    elif command == "suite":
        repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 5
        remotes = os.path.join(path, "remotes")
        resources = []
        for file in glob.glob(os.path.join(remotes, "**", "*.json"), recursive=True):
            uri = "http://localhost:1234/" + os.path.relpath(file, remotes).replace(os.sep, "/")
            contents = json.load(open(file))
            resources.append((uri, referencing.Resource.from_contents(contents, default_specification=referencing.jsonschema.DRAFT202012)))
        registry = referencing.Registry().with_resources(resources)
        cases = []
        for file in sorted(glob.glob(os.path.join(path, "tests", "draft2020-12", "*.json"))):
            for group in json.load(open(file)):
                validator = jsonschema.Draft202012Validator(group["schema"], registry=registry)
                for test in group["tests"]:
                    cases.append((validator, test["data"]))
        # Warm the lazily built validators once, unmeasured (as the Swift side compiles once).
        for validator, data in cases:
            try:
                validator.is_valid(data)
            except Exception:
                pass
        start = time.perf_counter()
        count = 0
        for _ in range(repeats):
            for validator, data in cases:
                try:
                    validator.is_valid(data)
                except Exception:
                    pass
                count += 1
        seconds = time.perf_counter() - start
        report("required draft2020-12 suite (%d instances x %d)" % (len(cases), repeats), count, seconds)
    else:
        print(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
