/// The operation a request asks for (`operation` on the wire).
///
/// Python: `OperationType`. On the wire it is a lowercase string (`"fetch_data"`).
///
/// An extensible set rather than a closed `enum`: a newer peer may send a value
/// this version does not know, and that must not make the whole message
/// undecodable. An unknown value decodes to an instance with that raw value
/// (``isKnown`` is `false`) and is encoded back unchanged. Compare with the
/// static members; ``allKnown`` lists them.
public struct OperationType: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    /// The wire value, e.g. `"fetch_data"`.
    public let rawValue: String

    /// Wraps a wire value; any string is accepted, known or not.
    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// `"fetch_data"`: Collect new data (the default operation).
    public static let fetchData = OperationType(rawValue: "fetch_data")
    /// `"process_data"`: Process data already held.
    public static let processData = OperationType(rawValue: "process_data")
    /// `"update_data"`: Refresh data collected before.
    public static let updateData = OperationType(rawValue: "update_data")
    /// `"delete_data"`: Delete data.
    public static let deleteData = OperationType(rawValue: "delete_data")
    /// `"monitor_data"`: Keep watching a source.
    public static let monitorData = OperationType(rawValue: "monitor_data")
    /// `"verify_data"`: Check data for correctness.
    public static let verifyData = OperationType(rawValue: "verify_data")
    /// `"search_data"`: Search data already held.
    public static let searchData = OperationType(rawValue: "search_data")
    /// `"translate_data"`: Translate data.
    public static let translateData = OperationType(rawValue: "translate_data")
    /// `"summarize_data"`: Summarise data.
    public static let summarizeData = OperationType(rawValue: "summarize_data")
    /// `"analyze_data"`: Analyse data.
    public static let analyzeData = OperationType(rawValue: "analyze_data")

    /// Every value the contract defines, in the spec's order.
    public static let allKnown: [OperationType] = [.fetchData, .processData, .updateData, .deleteData, .monitorData, .verifyData, .searchData, .translateData, .summarizeData, .analyzeData]

    /// Whether this is one of ``allKnown`` (`false` for a value from a newer peer).
    public var isKnown: Bool { Self.allKnown.contains(self) }

    /// The wire value.
    public var description: String { rawValue }
}
