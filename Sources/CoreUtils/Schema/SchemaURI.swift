/// RFC 3986 reference resolution for `$id` and `$ref` (§5.2), without Foundation's
/// `URL`, which does not resolve against non-hierarchical bases such as `urn:`.
enum SchemaURI {
    struct Parts {
        var scheme: Substring?
        var authority: Substring?
        var path: Substring
        var query: Substring?
        var fragment: Substring?
    }

    static func parse(_ text: String) -> Parts {
        var rest = Substring(text)
        var parts = Parts(path: "")
        if let hash = rest.firstIndex(of: "#") {
            parts.fragment = rest[rest.index(after: hash)...]
            rest = rest[..<hash]
        }
        if let question = rest.firstIndex(of: "?") {
            parts.query = rest[rest.index(after: question)...]
            rest = rest[..<question]
        }
        if let colon = rest.firstIndex(of: ":") {
            let candidate = rest[..<colon]
            if let first = candidate.first, first.isASCII, first.isLetter,
                candidate.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == ".") })
            {
                parts.scheme = candidate
                rest = rest[rest.index(after: colon)...]
            }
        }
        if rest.hasPrefix("//") {
            let afterSlashes = rest.index(rest.startIndex, offsetBy: 2)
            let end = rest[afterSlashes...].firstIndex(of: "/") ?? rest.endIndex
            parts.authority = rest[afterSlashes..<end]
            rest = rest[end...]
        }
        parts.path = rest
        return parts
    }

    static func compose(_ parts: Parts) -> String {
        var result = ""
        if let scheme = parts.scheme { result += scheme + ":" }
        if let authority = parts.authority { result += "//" + authority }
        result += parts.path
        if let query = parts.query { result += "?" + query }
        if let fragment = parts.fragment { result += "#" + fragment }
        return result
    }

    /// `reference` resolved against `base` (RFC 3986 §5.2.2).
    static func resolve(_ reference: String, against base: String) -> String {
        let r = parse(reference)
        if r.scheme != nil { return compose(Parts(scheme: r.scheme, authority: r.authority, path: Substring(removeDotSegments(String(r.path))), query: r.query, fragment: r.fragment)) }
        let b = parse(base)
        var t = Parts(scheme: b.scheme, path: "")
        if r.authority != nil {
            t.authority = r.authority
            t.path = Substring(removeDotSegments(String(r.path)))
            t.query = r.query
        } else {
            t.authority = b.authority
            if r.path.isEmpty {
                t.path = b.path
                t.query = r.query ?? b.query
            } else {
                if r.path.hasPrefix("/") {
                    t.path = Substring(removeDotSegments(String(r.path)))
                } else {
                    let merged: String
                    if b.authority != nil && b.path.isEmpty {
                        merged = "/" + r.path
                    } else if let slash = b.path.lastIndex(of: "/") {
                        merged = String(b.path[...slash]) + r.path
                    } else {
                        merged = String(r.path)
                    }
                    t.path = Substring(removeDotSegments(merged))
                }
                t.query = r.query
            }
        }
        t.fragment = r.fragment
        return compose(t)
    }

    /// RFC 3986 §5.2.4.
    static func removeDotSegments(_ path: String) -> String {
        guard path.contains(".") else { return path }
        var output: [Substring] = []
        let absolute = path.hasPrefix("/")
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        for (index, segment) in segments.enumerated() {
            if absolute && index == 0 { continue }
            if segment == "." {
                if index == segments.count - 1 { output.append("") }
            } else if segment == ".." {
                if !output.isEmpty { output.removeLast() }
                if index == segments.count - 1 { output.append("") }
            } else {
                output.append(segment)
            }
        }
        return (absolute ? "/" : "") + output.joined(separator: "/")
    }

    /// The URI without its fragment, and the fragment percent-decoded (`nil` when none).
    static func splitFragment(_ uri: String) -> (base: String, fragment: String?) {
        guard let hash = uri.firstIndex(of: "#") else { return (uri, nil) }
        let fragment = String(uri[uri.index(after: hash)...])
        return (String(uri[..<hash]), percentDecoded(fragment))
    }

    static func percentDecoded(_ text: String) -> String {
        guard text.contains("%") else { return text }
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.first {
            utf8 = utf8.dropFirst()
            if byte == UInt8(ascii: "%"), utf8.count >= 2,
                let high = hexValue(utf8[utf8.startIndex]), let low = hexValue(utf8[utf8.startIndex + 1])
            {
                bytes.append(high << 4 | low)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// A JSON Pointer reference token (RFC 6901 §4): `~` → `~0`, `/` → `~1`.
    static func escapeToken(_ token: String) -> String {
        guard token.contains("~") || token.contains("/") else { return token }
        return token.replacingAll("~", with: "~0").replacingAll("/", with: "~1")
    }

    /// The reference tokens of a JSON Pointer, unescaped; `nil` when it is not one.
    static func pointerTokens(_ pointer: String) -> [String]? {
        if pointer.isEmpty { return [] }
        guard pointer.hasPrefix("/") else { return nil }
        return pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            String($0).replacingAll("~1", with: "/").replacingAll("~0", with: "~")
        }
    }
}

extension String {
    /// Every occurrence of `target` replaced (without Foundation).
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty, contains(target) else { return self }
        var result = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        result += rest
        return result
    }
}
