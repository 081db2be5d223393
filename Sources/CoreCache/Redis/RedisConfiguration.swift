public import CoreProtocols

/// Where and how to reach Redis (or Valkey).
public struct RedisConfiguration: Sendable, Hashable {
    /// The server's address. Default port: 6379.
    public var endpoint: ServiceEndpoint
    /// ACL user name for `AUTH`; `nil` authenticates the default user.
    public var username: String?
    /// Password for `AUTH`; `nil` skips `AUTH`.
    public var password: String?
    /// Database index for `SELECT`. Default: 0.
    public var database: Int
    /// How long a TCP connect may take. Default: 2 s.
    public var connectTimeout: Duration
    /// How long one command may take once sent. Default: 2 s.
    public var commandTimeout: Duration

    /// Creates a configuration for one server.
    public init(
        endpoint: ServiceEndpoint,
        username: String? = nil,
        password: String? = nil,
        database: Int = 0,
        connectTimeout: Duration = .seconds(2),
        commandTimeout: Duration = .seconds(2)
    ) {
        self.endpoint = endpoint
        self.username = username
        self.password = password
        self.database = database
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
    }

    /// Parses `redis://[[user]:password@]host[:port][/db]`, the form of
    /// `WHALE_REDIS_URL`.
    /// - Throws: ``CoreProtocols/WhaleError`` `.invalidConfiguration` naming what is wrong.
    public init(url: String) throws {
        let endpoint = try ServiceEndpoint(url: url, schemes: ["redis"], defaultPort: 6379)
        self.init(endpoint: endpoint)
        guard let schemeEnd = url.firstRange(of: "://") else {
            throw WhaleError(.invalidConfiguration, "'\(url)' is not a URL")
        }
        let afterScheme = url[schemeEnd.upperBound...]
        let authorityEnd = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? afterScheme.endIndex
        let authority = afterScheme[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") {
            let credentials = authority[..<at]
            if let colon = credentials.firstIndex(of: ":") {
                let user = credentials[..<colon]
                username = user.isEmpty ? nil : try Self.percentDecoded(user, in: url)
                password = try Self.percentDecoded(credentials[credentials.index(after: colon)...], in: url)
            } else if !credentials.isEmpty {
                password = try Self.percentDecoded(credentials, in: url)
            }
        }
        let path = afterScheme[authorityEnd...].prefix(while: { $0 != "?" && $0 != "#" })
        let databaseText = path.drop(while: { $0 == "/" })
        if !databaseText.isEmpty {
            guard let index = Int(databaseText), index >= 0 else {
                throw WhaleError(.invalidConfiguration, "'\(url)': database '\(databaseText)' is not a non-negative number")
            }
            database = index
        }
    }

    private static func percentDecoded(_ text: Substring, in url: String) throws -> String {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                throw WhaleError(.invalidConfiguration, "'\(url)': bad percent-escape in the credentials")
            }
            bytes.append(high << 4 | low)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
