#!/usr/bin/env python3
"""A Smart Whale peer written only from the spec's field list (SEED.md §8), on
kafka-python, a client nobody here wrote. The Swift interop tests drive it:

  ask     send a DataRequest to --request-topic, wait for the DataResponse on
          --response-topic whose correlation_id is the request's id, check every
          field, print the response as JSON.
  answer  read one DataRequest from --request-topic, check every field, answer
          with a DataResponse on the request's payload.response_topic.

Exit status 0 when every check passed; 1 with the failures on stderr; 2 when
nothing arrived in time. Partitions are assigned by hand (no consumer group),
so no group join delays the exchange.
"""
import argparse
import json
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

METADATA_FIELDS = ["request_id", "timestamp", "source", "destination", "priority", "request_source",
                   "correlation_id", "trace_id", "session_id", "retry_count", "ttl", "expires_at"]
REQUEST_FIELDS = ["operation", "model_id", "data_type", "data_source", "parameters", "response_topic",
                  "batch_id", "timeout", "max_size", "require_fresh", "tags", "context"]
RESPONSE_FIELDS = ["operation", "status", "data_type", "data_source", "data", "error_message", "error_code",
                   "metrics", "batch_id", "next_cursor", "total_items", "page_info", "metadata", "source_url",
                   "last_updated", "processing_time", "cached", "additional_info"]
DATA_TYPES = {"text", "image", "video", "audio", "document", "structured", "mixed"}
DATA_SOURCES = {"web", "wiki", "twitter", "telegram", "youtube", "aparat", "news", "book", "api", "linkedin",
                "podcast", "rss", "scientific", "database", "custom"}
OPERATIONS = {"fetch_data", "process_data", "update_data", "delete_data", "monitor_data", "verify_data",
              "search_data", "translate_data", "summarize_data", "analyze_data"}
REQUEST_SOURCES = {"user", "model", "system", "scheduled", "api"}
STATUSES = {"success", "error", "pending", "partial", "timeout"}


class Checks:
    def __init__(self):
        self.failures = []

    def expect(self, condition, message):
        if not condition:
            self.failures.append(message)

    def fields(self, obj, names, where):
        self.expect(isinstance(obj, dict), f"{where} is not an object: {obj!r}")
        if isinstance(obj, dict):
            for name in names:
                self.expect(name in obj, f"{where}.{name} is missing")

    def timestamp(self, value, where):
        try:
            datetime.fromisoformat(value)
        except (TypeError, ValueError):
            self.failures.append(f"{where} is not ISO-8601: {value!r}")


def check_metadata(checks, metadata, where="metadata"):
    checks.fields(metadata, METADATA_FIELDS, where)
    if not isinstance(metadata, dict):
        return
    checks.expect(isinstance(metadata.get("request_id"), str) and metadata["request_id"], f"{where}.request_id")
    checks.timestamp(metadata.get("timestamp"), f"{where}.timestamp")
    checks.expect(type(metadata.get("priority")) is int and 1 <= metadata["priority"] <= 5,
                  f"{where}.priority is not an integer 1…5: {metadata.get('priority')!r}")
    checks.expect(metadata.get("request_source") in REQUEST_SOURCES,
                  f"{where}.request_source: {metadata.get('request_source')!r}")
    checks.expect(type(metadata.get("retry_count")) is int, f"{where}.retry_count is not an integer")
    if metadata.get("expires_at") is not None:
        checks.timestamp(metadata["expires_at"], f"{where}.expires_at")


def make_request(model_id, response_topic):
    now = datetime.now(timezone.utc)
    request_id = str(uuid.uuid4())
    return {
        "metadata": {
            "request_id": request_id, "timestamp": now.isoformat(), "source": "balance", "destination": "data",
            "priority": 2, "request_source": "model", "correlation_id": None, "trace_id": "trace-py-1",
            "session_id": "session-py-1", "retry_count": 0, "ttl": 300,
            "expires_at": (now + timedelta(seconds=300)).isoformat(),
        },
        "payload": {
            "operation": "fetch_data", "model_id": model_id, "data_type": "text", "data_source": "wiki",
            "parameters": {"query": "نهنگ", "limit": 5, "nested": {"ok": True}},
            "response_topic": response_topic, "batch_id": "batch-py-1", "timeout": 30, "max_size": 1048576,
            "require_fresh": True, "tags": ["interop", "python"], "context": {"caller": "kafka-python"},
            "x_newer_peer_field": "kept",
        },
    }


def check_response(checks, response, request):
    checks.fields(response, ["metadata", "payload"], "response")
    if not isinstance(response, dict):
        return
    metadata, payload = response.get("metadata", {}), response.get("payload", {})
    check_metadata(checks, metadata)
    request_id = request["metadata"]["request_id"]
    checks.expect(metadata.get("correlation_id") == request_id,
                  f"metadata.correlation_id {metadata.get('correlation_id')!r} != request id {request_id!r}")
    checks.fields(payload, RESPONSE_FIELDS, "payload")
    if not isinstance(payload, dict):
        return
    checks.expect(payload.get("status") in STATUSES, f"payload.status: {payload.get('status')!r}")
    checks.expect(payload.get("status") == "success", f"payload.status is {payload.get('status')!r}")
    checks.expect(payload.get("operation") == "fetch_data", f"payload.operation: {payload.get('operation')!r}")
    checks.expect(payload.get("data_type") == "text", f"payload.data_type: {payload.get('data_type')!r}")
    checks.expect(payload.get("data_source") == "wiki", f"payload.data_source: {payload.get('data_source')!r}")
    checks.expect(payload.get("batch_id") == "batch-py-1", f"payload.batch_id: {payload.get('batch_id')!r}")
    # The Swift side echoes the request's parameters as its data.
    checks.expect(payload.get("data") == {"echo": request["payload"]["parameters"]},
                  f"payload.data: {payload.get('data')!r}")
    checks.expect(isinstance(payload.get("processing_time"), (int, float)), "payload.processing_time")
    checks.expect(isinstance(payload.get("cached"), bool), "payload.cached is not a boolean")


def check_request(checks, request):
    checks.fields(request, ["metadata", "payload"], "request")
    if not isinstance(request, dict):
        return
    check_metadata(checks, request.get("metadata", {}))
    payload = request.get("payload", {})
    checks.fields(payload, REQUEST_FIELDS, "payload")
    if not isinstance(payload, dict):
        return
    checks.expect(payload.get("operation") in OPERATIONS, f"payload.operation: {payload.get('operation')!r}")
    checks.expect(payload.get("data_type") in DATA_TYPES, f"payload.data_type: {payload.get('data_type')!r}")
    checks.expect(payload.get("data_source") in DATA_SOURCES, f"payload.data_source: {payload.get('data_source')!r}")
    checks.expect(isinstance(payload.get("model_id"), str) and payload["model_id"], "payload.model_id")
    checks.expect(isinstance(payload.get("response_topic"), str) and payload["response_topic"],
                  "payload.response_topic")
    checks.expect(isinstance(payload.get("parameters"), dict), "payload.parameters is not an object")
    checks.expect(isinstance(payload.get("tags"), list), "payload.tags is not a list")
    checks.expect(isinstance(payload.get("require_fresh"), bool), "payload.require_fresh is not a boolean")


def make_response(request):
    metadata, payload = request["metadata"], request["payload"]
    return {
        "metadata": {
            "request_id": str(uuid.uuid4()), "timestamp": datetime.now(timezone.utc).isoformat(), "source": "data",
            "destination": payload["model_id"], "priority": metadata["priority"], "request_source": "system",
            "correlation_id": metadata["request_id"], "trace_id": metadata.get("trace_id"),
            "session_id": metadata.get("session_id"), "retry_count": 0, "ttl": None, "expires_at": None,
        },
        "payload": {
            "operation": payload["operation"], "status": "success", "data_type": payload["data_type"],
            "data_source": payload["data_source"], "data": {"echo": payload["parameters"]}, "error_message": None,
            "error_code": None, "metrics": {"items": 1}, "batch_id": payload.get("batch_id"), "next_cursor": None,
            "total_items": 1, "page_info": None, "metadata": {"answered_by": "kafka-python"}, "source_url": None,
            "last_updated": datetime.now(timezone.utc).isoformat(), "processing_time": 0.25, "cached": False,
            "additional_info": {"x_newer_peer_field": "kept"},
        },
    }


def read_one(brokers, topic, deadline, match):
    """The first message of `topic` (every partition, from the start) for which `match` holds."""
    consumer = KafkaConsumer(bootstrap_servers=brokers, auto_offset_reset="earliest", enable_auto_commit=False)
    try:
        partitions = None
        while partitions is None and time.time() < deadline:
            partitions = consumer.partitions_for_topic(topic)
            if partitions is None:
                time.sleep(0.2)
        if partitions is None:
            return None
        consumer.assign([TopicPartition(topic, partition) for partition in partitions])
        consumer.seek_to_beginning()
        while time.time() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    try:
                        value = json.loads(record.value)
                    except ValueError:
                        continue
                    if match(value):
                        return value
        return None
    finally:
        consumer.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["ask", "answer"])
    parser.add_argument("--brokers", required=True)
    parser.add_argument("--request-topic", required=True)
    parser.add_argument("--response-topic")
    parser.add_argument("--model-id", default="interop-model")
    parser.add_argument("--timeout", type=float, default=90)
    args = parser.parse_args()
    deadline = time.time() + args.timeout
    producer = KafkaProducer(bootstrap_servers=args.brokers, acks="all")
    checks = Checks()
    try:
        if args.mode == "ask":
            request = make_request(args.model_id, args.response_topic)
            producer.send(args.request_topic, json.dumps(request).encode()).get(timeout=30)
            request_id = request["metadata"]["request_id"]
            response = read_one(args.brokers, args.response_topic, deadline,
                                lambda value: value.get("metadata", {}).get("correlation_id") == request_id)
            if response is None:
                print("no response arrived", file=sys.stderr)
                return 2
            check_response(checks, response, request)
            print(json.dumps(response))
        else:
            request = read_one(args.brokers, args.request_topic, deadline, lambda value: "payload" in value)
            if request is None:
                print("no request arrived", file=sys.stderr)
                return 2
            check_request(checks, request)
            topic = request.get("payload", {}).get("response_topic")
            if not checks.failures and topic:
                producer.send(topic, json.dumps(make_response(request)).encode()).get(timeout=30)
            print(json.dumps(request))
    finally:
        producer.flush()
        producer.close()
    for failure in checks.failures:
        print(f"FAIL {failure}", file=sys.stderr)
    return 1 if checks.failures else 0


if __name__ == "__main__":
    sys.exit(main())
