/// A first-in first-out queue with O(1) amortised append and removal at the
/// front and indexed access, for the per-partition queues of a subscription
/// (the Messaging module does not depend on swift-collections' `Deque`).
///
/// Elements are moved in and out, never copied on the way (a slot is `nil`
/// once its element was taken), and read in place: the queues hold messages,
/// whose copies cost reference counting.
struct ConsumerFIFO<Element> {
    private var storage: [Element?] = []
    private var head = 0

    init() {}

    var isEmpty: Bool { head == storage.count }
    var count: Int { storage.count - head }
    var first: Element? { isEmpty ? nil : storage[head] }
    var last: Element? { isEmpty ? nil : storage[storage.count - 1] }

    /// A field of the front element, read in place; `nil` when empty.
    func first<Field>(_ field: (Element) -> Field) -> Field? {
        isEmpty ? nil : storage[head].map(field)
    }

    mutating func append(_ element: consuming Element) {
        storage.append(element)
    }

    mutating func popFirst() -> Element? {
        guard !isEmpty else { return nil }
        let element = storage[head].take()
        head += 1
        if head == storage.count {
            storage.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 64 && head * 2 >= storage.count {
            storage.removeFirst(head)
            head = 0
        }
        return element
    }

    /// Inserts `element` `index` places after the front (O(count)).
    mutating func insert(_ element: Element, at index: Int) {
        storage.insert(element, at: head + index)
    }

    mutating func removeAll() {
        storage.removeAll(keepingCapacity: false)
        head = 0
    }

    /// The element `index` places after the front.
    subscript(index: Int) -> Element? {
        get { storage[head + index] }
        set { storage[head + index] = newValue }
    }

    /// The first index whose element is not `isBelow` (the elements must be
    /// partitioned: all that are below come first), by binary search.
    func partitionPoint(where isBelow: (Element) -> Bool) -> Int {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if let element = self[middle], isBelow(element) { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
