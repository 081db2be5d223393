public import CoreProtocols

// The spec's free validation helpers (`is_valid_data_request`,
// `is_valid_data_response`), for code ported from Python. They forward to
// ``DataRequest/isValid`` and friends.

/// Whether `request` has its required fields filled in (`is_valid_data_request`).
public func isValidDataRequest(_ request: DataRequest) -> Bool {
    request.isValid
}

/// Whether `dictionary` is a decodable data request with its required fields
/// filled in (`is_valid_data_request` on a dict).
public func isValidDataRequest(_ dictionary: [String: JSONValue]) -> Bool {
    DataRequest.isValid(dictionary: dictionary)
}

/// Whether `response` has its required fields filled in (`is_valid_data_response`).
public func isValidDataResponse(_ response: DataResponse) -> Bool {
    response.isValid
}

/// Whether `dictionary` is a decodable data response with its required fields
/// filled in (`is_valid_data_response` on a dict).
public func isValidDataResponse(_ dictionary: [String: JSONValue]) -> Bool {
    DataResponse.isValid(dictionary: dictionary)
}
