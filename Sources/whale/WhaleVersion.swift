/// The node's own version.
enum WhaleVersion {
    static let current = "0.1.0"
}
