/// A host and TCP port of a service: Redis, a Kafka broker, the node's HTTP
/// listener. Parsing is strict: a malformed address is a clear
/// ``WhaleError/Code/invalidConfiguration`` error, never a guess.
public struct ServiceEndpoint: Hashable, Sendable, CustomStringConvertible {
    /// Host name or IP address (IPv6 without brackets).
    public var host: String
    /// TCP port, 1…65535.
    public var port: Int

    /// Creates an endpoint, checking the port range and that the host is not empty.
    public init(host: String, port: Int) throws {
        guard !host.isEmpty else {
            throw WhaleError(.invalidConfiguration, "empty host")
        }
        guard (1...65535).contains(port) else {
            throw WhaleError(.invalidConfiguration, "port \(port) is out of range 1...65535")
        }
        self.host = host
        self.port = port
    }

    /// Parses `host:port`, `[v6]:port`, or a bare host with `defaultPort`.
    public init(parsing text: String, defaultPort: Int? = nil) throws {
        let trimmed = text.trimmingWhitespace()
        var host = Substring(trimmed)
        var portText: Substring?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else {
                throw WhaleError(.invalidConfiguration, "'\(text)': missing ']' after an IPv6 address")
            }
            let rest = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if !rest.isEmpty {
                guard rest.first == ":" else {
                    throw WhaleError(.invalidConfiguration, "'\(text)': expected ':' after ']'")
                }
                portText = rest.dropFirst()
            }
        } else if let colon = host.lastIndex(of: ":") {
            guard host.firstIndex(of: ":") == colon else {
                throw WhaleError(.invalidConfiguration, "'\(text)': an IPv6 address needs brackets, e.g. [::1]:6379")
            }
            portText = host[host.index(after: colon)...]
            host = host[..<colon]
        }
        let port: Int
        if let portText {
            guard let parsed = Int(portText) else {
                throw WhaleError(.invalidConfiguration, "'\(text)': port '\(portText)' is not a number")
            }
            port = parsed
        } else if let defaultPort {
            port = defaultPort
        } else {
            throw WhaleError(.invalidConfiguration, "'\(text)': no port given")
        }
        try self.init(host: String(host), port: port)
    }

    /// Parses the authority of a URL such as `redis://:secret@127.0.0.1:6390/2`,
    /// checking that the scheme is one of `schemes`.
    public init(url text: String, schemes: Set<String>, defaultPort: Int) throws {
        guard let schemeEnd = text.firstRange(of: "://") else {
            throw WhaleError(.invalidConfiguration, "'\(text)' is not a URL (expected scheme://host:port)")
        }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        guard schemes.contains(scheme) else {
            let expected = schemes.sorted().joined(separator: " or ")
            throw WhaleError(.invalidConfiguration, "'\(text)': scheme '\(scheme)' is not \(expected)")
        }
        var authority = text[schemeEnd.upperBound...]
        if let end = authority.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) {
            authority = authority[..<end]
        }
        if let at = authority.lastIndex(of: "@") {
            authority = authority[authority.index(after: at)...]
        }
        guard !authority.isEmpty else {
            throw WhaleError(.invalidConfiguration, "'\(text)': no host")
        }
        try self.init(parsing: String(authority), defaultPort: defaultPort)
    }

    /// Parses a comma-separated list such as `127.0.0.1:19092,broker2:9092`.
    public static func list(parsing text: String, defaultPort: Int) throws -> [ServiceEndpoint] {
        let parts = text.split(separator: ",").map { String($0) }.filter { !$0.trimmingWhitespace().isEmpty }
        guard !parts.isEmpty else {
            throw WhaleError(.invalidConfiguration, "'\(text)': no address given")
        }
        return try parts.map { try ServiceEndpoint(parsing: $0, defaultPort: defaultPort) }
    }

    /// `host:port`, with brackets around an IPv6 host.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
