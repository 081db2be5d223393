internal import CWhaleKafka

/// Facts about the librdkafka the module runs against.
public enum KafkaLibrary {
    /// The runtime librdkafka version, e.g. `"2.16.1"`. (The headers the
    /// package was built with may be older; the runtime library is what counts.)
    public static var version: String { String(cString: rd_kafka_version_str()) }

    /// The runtime version as librdkafka's hex number (`0x021001ff` for the 2.16.1 release).
    public static var versionNumber: Int { Int(rd_kafka_version()) }
}
