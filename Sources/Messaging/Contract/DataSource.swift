/// Where data is collected from (`data_source` on the wire).
///
/// Python: `DataSource`. On the wire it is a lowercase string (`"web"`).
///
/// An extensible set rather than a closed `enum`: a newer peer may send a value
/// this version does not know, and that must not make the whole message
/// undecodable. An unknown value decodes to an instance with that raw value
/// (``isKnown`` is `false`) and is encoded back unchanged. Compare with the
/// static members; ``allKnown`` lists them.
public struct DataSource: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    /// The wire value, e.g. `"web"`.
    public let rawValue: String

    /// Wraps a wire value; any string is accepted, known or not.
    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// `"web"`: Public web pages.
    public static let web = DataSource(rawValue: "web")
    /// `"wiki"`: Wikipedia and other wikis.
    public static let wiki = DataSource(rawValue: "wiki")
    /// `"twitter"`: Twitter / X.
    public static let twitter = DataSource(rawValue: "twitter")
    /// `"telegram"`: Telegram.
    public static let telegram = DataSource(rawValue: "telegram")
    /// `"youtube"`: YouTube.
    public static let youtube = DataSource(rawValue: "youtube")
    /// `"aparat"`: Aparat.
    public static let aparat = DataSource(rawValue: "aparat")
    /// `"news"`: News agencies.
    public static let news = DataSource(rawValue: "news")
    /// `"book"`: Books and other long texts.
    public static let book = DataSource(rawValue: "book")
    /// `"api"`: External APIs.
    public static let api = DataSource(rawValue: "api")
    /// `"linkedin"`: LinkedIn.
    public static let linkedin = DataSource(rawValue: "linkedin")
    /// `"podcast"`: Podcasts.
    public static let podcast = DataSource(rawValue: "podcast")
    /// `"rss"`: RSS feeds.
    public static let rss = DataSource(rawValue: "rss")
    /// `"scientific"`: Scientific sources.
    public static let scientific = DataSource(rawValue: "scientific")
    /// `"database"`: Databases.
    public static let database = DataSource(rawValue: "database")
    /// `"custom"`: A custom source.
    public static let custom = DataSource(rawValue: "custom")

    /// Every value the contract defines, in the spec's order.
    public static let allKnown: [DataSource] = [.web, .wiki, .twitter, .telegram, .youtube, .aparat, .news, .book, .api, .linkedin, .podcast, .rss, .scientific, .database, .custom]

    /// Whether this is one of ``allKnown`` (`false` for a value from a newer peer).
    public var isKnown: Bool { Self.allKnown.contains(self) }

    /// The wire value.
    public var description: String { rawValue }
}
