import CoreProtocols

/// JSON Schema equality (`const`, `enum`, `uniqueItems`): numbers are equal by
/// value whatever their form (`1 == 1.0`), objects regardless of member order.
enum JSONEquality {
    static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.integer(let x), .integer(let y)): return x == y
        case (.integer, .double), (.double, .integer), (.double, .double):
            guard let x = a.doubleValue, let y = b.doubleValue else { return false }
            return x == y
        case (.array(let x), .array(let y)):
            guard x.count == y.count else { return false }
            for index in x.indices where !equal(x[index], y[index]) { return false }
            return true
        case (.object(let x), .object(let y)):
            guard x.count == y.count else { return false }
            for (key, value) in x {
                guard let other = y[key], equal(value, other) else { return false }
            }
            return true
        case (.string(let x), .string(let y)):
            // Code point equality: Swift's `==` would equate canonically equivalent strings.
            return x.utf8.elementsEqual(y.utf8)
        default:
            return a == b
        }
    }

    /// The indices of the first two equal elements, if any.
    static func firstDuplicate(_ elements: [JSONValue]) -> (Int, Int)? {
        guard elements.count > 1 else { return nil }
        if elements.count > 16, elements.allSatisfy({ $0.stringValue != nil }) {
            var seen: [[UInt8]: Int] = [:]
            for (index, element) in elements.enumerated() {
                guard let string = element.stringValue else { continue }
                let bytes = Array(string.utf8)
                if let first = seen[bytes] { return (first, index) }
                seen[bytes] = index
            }
            return nil
        }
        for i in elements.indices {
            for j in (i + 1)..<elements.count where equal(elements[i], elements[j]) { return (i, j) }
        }
        return nil
    }
}
