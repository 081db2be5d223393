import CoreProtocols

/// What ``DataRequest`` and ``DataResponse`` share: the `{"metadata": …, "payload": …}`
/// envelope around a payload.
enum ContractEnvelope {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case metadata
        case payload
    }

    /// Parses JSON that must be an object.
    /// - Throws: `WhaleError` `.malformedData`: the JSON error, or `<kind>: expected a
    ///   JSON object, got …`.
    static func parseObject(_ value: () throws -> JSONValue, kind: String) throws -> [String: JSONValue] {
        let parsed: JSONValue
        do {
            parsed = try value()
        } catch let error as WhaleError {
            throw WhaleError(.malformedData, "\(kind): \(error.message)", underlying: error)
        }
        guard case .object(let members) = parsed else {
            throw ContractObjectReader.typeError(kind, expected: "a JSON object", found: parsed)
        }
        return members
    }

    /// The paths of every required field that is absent or `null`: `metadata` or
    /// `payload` themselves, or their required members. A part of the wrong type
    /// is left for decoding to report.
    static func missingFields<PayloadKey: CodingKey>(
        in members: [String: JSONValue],
        payloadKeys: [PayloadKey]
    ) -> [String] {
        let envelope = ContractObjectReader(members: members, path: "")
        var missing: [String] = []
        if let metadata = envelope.present(CodingKeys.metadata) {
            if case .object(let fields) = metadata {
                missing += ContractObjectReader(members: fields, path: "metadata").missing(MessageMetadata.requiredKeys)
            }
        } else {
            missing.append("metadata")
        }
        if let payload = envelope.present(CodingKeys.payload) {
            if case .object(let fields) = payload {
                missing += ContractObjectReader(members: fields, path: "payload").missing(payloadKeys)
            }
        } else {
            missing.append("payload")
        }
        return missing
    }

    /// The readers of both parts, after checking that nothing required is missing.
    static func readers<PayloadKey: CodingKey>(
        _ members: [String: JSONValue],
        payloadKeys: [PayloadKey]
    ) throws -> (metadata: ContractObjectReader, payload: ContractObjectReader, unknownFields: [String: JSONValue]) {
        let missing = missingFields(in: members, payloadKeys: payloadKeys)
        if !missing.isEmpty { throw ContractObjectReader.missingError(missing) }
        let envelope = ContractObjectReader(members: members, path: "")
        return (
            try ContractObjectReader(members[CodingKeys.metadata.stringValue], path: "metadata"),
            try ContractObjectReader(members[CodingKeys.payload.stringValue], path: "payload"),
            envelope.unknownFields(besides: CodingKeys.self)
        )
    }

    /// The dictionary view of an envelope: unknown fields, then the two parts.
    static func dictionary(
        metadata: [String: JSONValue],
        payload: [String: JSONValue],
        unknownFields: [String: JSONValue]
    ) -> [String: JSONValue] {
        var members = unknownFields
        members.setField(CodingKeys.metadata, .object(metadata))
        members.setField(CodingKeys.payload, .object(payload))
        return members
    }

    /// `path: 'value'` for each of `values` that is not known.
    static func unknownValues(_ values: [(path: String, value: String, isKnown: Bool)]) -> [String] {
        values.compactMap { $0.isKnown ? nil : "\($0.path): '\($0.value)'" }
    }

    /// Throws `.invalidInput` listing `emptyFields` unless there are none.
    static func validate(_ emptyFields: [String], kind: String) throws {
        guard !emptyFields.isEmpty else { return }
        throw WhaleError(.invalidInput, "\(kind) is missing required fields: \(emptyFields.joined(separator: ", "))")
    }
}
