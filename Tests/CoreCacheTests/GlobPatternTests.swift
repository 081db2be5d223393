import CoreCache
import CoreProtocols
import Testing

@Suite struct GlobPatternTests {
    @Test(arguments: [
        ("*", "anything", true),
        ("*", "", true),
        ("user:*", "user:42", true),
        ("user:*", "users:42", false),
        ("user:*:profile", "user:42:profile", true),
        ("user:*:profile", "user:42:profile:x", false),
        ("h?llo", "hello", true),
        ("h?llo", "hllo", false),
        ("h[ae]llo", "hallo", true),
        ("h[ae]llo", "hillo", false),
        ("h[^e]llo", "hallo", true),
        ("h[^e]llo", "hello", false),
        ("h[a-c]llo", "hbllo", true),
        ("h[a-c]llo", "hdllo", false),
        ("a\\*b", "a*b", true),
        ("a\\*b", "axb", false),
        ("[\\]]", "]", true),
        ("*a*b*c", "xxaxxbxxc", true),
        ("*a*b*c", "xxaxxcxxb", false),
        ("کاربر:*", "کاربر:۴۲", true),
    ])
    func matchesLikeRedis(pattern: String, key: String, expected: Bool) throws {
        #expect(try GlobPattern(pattern).matches(key) == expected, "\(pattern) ~ \(key)")
    }

    @Test func literalPrefixStopsAtTheFirstWildcard() throws {
        #expect(try GlobPattern("user:\\*x*").literalPrefix == Array("user:*x".utf8))
        #expect(try GlobPattern("user:42").isLiteral)
        #expect(try !GlobPattern("user:4?").isLiteral)
    }

    @Test func escapeMakesALiteralPrefix() throws {
        let pattern = try GlobPattern(GlobPattern.escape("a*[b]") + "*")
        #expect(pattern.matches("a*[b]tail"))
        #expect(!pattern.matches("ab"))
    }

    @Test(arguments: ["", "user:[abc", "trailing\\"])
    func malformedPatternsAreTypedErrors(pattern: String) {
        let error = #expect(throws: WhaleError.self) { try GlobPattern(pattern) }
        #expect(error?.code == .invalidInput)
    }

    @Test func keyRulesRejectEmptyLongAndNULKeys() {
        let rules = CacheKeyRules(maxKeyBytes: 8)
        for key in ["", "123456789", "a\u{0}b"] {
            let error = #expect(throws: WhaleError.self) { try rules.check(key: key) }
            #expect(error?.code == .invalidInput)
        }
        #expect(throws: Never.self) { try rules.check(key: "12345678") }
    }
}
