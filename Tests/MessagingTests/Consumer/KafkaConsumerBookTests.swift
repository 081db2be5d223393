import CoreProtocols
import Testing

@testable import Messaging

/// The subscription's bookkeeping without a broker: hand-out order, the
/// in-flight bound, gap-free offsets, back-pressure thresholds, revokes and
/// draining.
@Suite struct KafkaConsumerBookTests {
    /// `book.next()`, outside the expectation macros (they cannot mutate).
    private func take(_ book: inout ConsumerBook) -> ConsumerTicket? {
        book.next()
    }

    private func message(_ partition: Int32, _ offset: Int64) -> InboundMessage {
        InboundMessage(topic: "t", partition: partition, offset: offset, value: Array("\(offset)".utf8))
    }

    @Test func handsOutOneMessageAtATimeInOffsetOrder() throws {
        var book = ConsumerBook(maxInFlight: 1, preservesPartitionOrder: true, capacity: 10)
        book.assign([0])
        for offset in 0..<3 {
            let added = book.add(message(0, Int64(offset)))
            #expect(added)
        }
        let first = try #require(take(&book))
        #expect(first.message.offset == 0)
        #expect(take(&book) == nil, "one in flight at most")
        book.finish(first, handled: true)
        let stored = book.takePendingStores()
        #expect(stored.map(\.offset) == [1])
        #expect(try #require(take(&book)).message.offset == 1)
    }

    @Test func offsetsAdvanceOnlyOverAGapFreeRunOfHandledMessages() throws {
        var book = ConsumerBook(maxInFlight: 3, preservesPartitionOrder: false, capacity: 10)
        book.assign([0])
        for offset in [10, 11, 12] { _ = book.add(message(0, Int64(offset))) }
        let tickets = (0..<3).compactMap { _ in book.next() }
        #expect(tickets.map(\.message.offset) == [10, 11, 12])
        book.finish(tickets[2], handled: true)
        book.finish(tickets[1], handled: true)
        let beforeTheFirst = book.takePendingStores()
        #expect(beforeTheFirst.isEmpty, "10 is not handled yet")
        book.finish(tickets[0], handled: true)
        let afterTheFirst = book.takePendingStores()
        #expect(afterTheFirst.map(\.offset) == [13])
        let again = book.takePendingStores()
        #expect(again.isEmpty, "stored once")
    }

    @Test func aGivenUpMessageIsNeverCommittedOver() throws {
        var book = ConsumerBook(maxInFlight: 2, preservesPartitionOrder: false, capacity: 10)
        book.assign([0])
        _ = book.add(message(0, 0))
        _ = book.add(message(0, 1))
        let first = try #require(take(&book))
        let second = try #require(take(&book))
        book.finish(first, handled: false)
        book.finish(second, handled: true)
        let stored = book.takePendingStores()
        #expect(stored.isEmpty)
        #expect(book.inFlight == 0)
    }

    @Test func keepsPartitionOrderWhileSpreadingOverPartitions() throws {
        var book = ConsumerBook(maxInFlight: 4, preservesPartitionOrder: true, capacity: 10)
        book.assign([0, 1])
        for offset in 0..<3 {
            _ = book.add(message(0, Int64(offset)))
            _ = book.add(message(1, Int64(offset)))
        }
        let a = try #require(take(&book))
        let b = try #require(take(&book))
        #expect(Set([a.message.partition, b.message.partition]) == [0, 1])
        #expect(take(&book) == nil, "each partition has one in flight")
        book.finish(a, handled: true)
        let c = try #require(take(&book))
        #expect(c.message.partition == a.message.partition && c.message.offset == 1)
    }

    @Test func unorderedHandOutStopsAtMaxInFlight() {
        var book = ConsumerBook(maxInFlight: 3, preservesPartitionOrder: false, capacity: 10)
        book.assign([0])
        for offset in 0..<5 { _ = book.add(message(0, Int64(offset))) }
        let tickets = (0..<5).compactMap { _ in book.next() }
        #expect(tickets.count == 3)
        #expect(book.inFlight == 3)
        #expect(book.waiting == 2)
    }

    @Test func fullAtCapacityWithRoomAgainAtHalf() throws {
        var book = ConsumerBook(maxInFlight: 1, preservesPartitionOrder: true, capacity: 4)
        book.assign([0])
        for offset in 0..<4 { _ = book.add(message(0, Int64(offset))) }
        #expect(book.isFull)
        #expect(!book.hasRoom)
        let first = try #require(take(&book))
        #expect(!book.isFull)
        #expect(!book.hasRoom, "3 waiting, room at 2")
        book.finish(first, handled: true)
        _ = book.next()
        #expect(book.hasRoom)
    }

    @Test func aRevokeDropsWaitingMessagesAndIgnoresLateResults() throws {
        var book = ConsumerBook(maxInFlight: 1, preservesPartitionOrder: true, capacity: 10)
        book.assign([0, 1])
        _ = book.add(message(0, 0))
        _ = book.add(message(0, 1))
        _ = book.add(message(1, 0))
        let running = try #require(take(&book))
        #expect(running.message.partition == 0)
        let (stillRunning, dropped) = book.beginRevoke([0])
        #expect(stillRunning == 1)
        #expect(dropped == 1)
        #expect(!book.isCurrent(running), "no retries for a leaving partition")
        let addedAfterRevoke = book.add(message(0, 2))
        #expect(!addedAfterRevoke, "nothing more of it is taken")
        book.finish(running, handled: true)
        #expect(book.running(in: [0]) == 0)
        let lastOffsets = book.finishRevoke([0])
        #expect(lastOffsets.map(\.offset) == [1], "what was handled is committed before it goes")
        #expect(book.assigned == [1])

        // Assigned again: a new epoch; a result of the old one changes nothing.
        book.assign([0])
        _ = book.add(message(0, 1))
        book.finish(running, handled: true)
        let stale = book.takePendingStores()
        #expect(stale.isEmpty)
        #expect(book.waiting == 2)
    }

    @Test func drainingDropsWaitingMessagesAndHandsOutNothing() {
        var book = ConsumerBook(maxInFlight: 2, preservesPartitionOrder: false, capacity: 10)
        book.assign([0])
        for offset in 0..<3 { _ = book.add(message(0, Int64(offset))) }
        let ticket = book.next()
        let dropped = book.beginDrain()
        #expect(dropped == 2)
        #expect(book.phase == .draining)
        #expect(take(&book) == nil)
        let addedWhileDraining = book.add(message(0, 3))
        #expect(!addedWhileDraining)
        if let ticket { #expect(!book.isCurrent(ticket)) }
    }

    @Test func fifoKeepsOrderAcrossCompaction() {
        var fifo = ConsumerFIFO<Int>()
        for value in 0..<200 { fifo.append(value) }
        for expected in 0..<150 { #expect(fifo.popFirst() == expected) }
        for value in 200..<220 { fifo.append(value) }
        #expect(fifo.count == 70)
        #expect(fifo.first == 150)
        #expect(fifo.partitionPoint { $0 < 210 } == 60)
        var drained: [Int] = []
        while let value = fifo.popFirst() { drained.append(value) }
        #expect(drained == Array(150..<220))
        #expect(fifo.isEmpty)
    }
    @Test func priorityOrderingHandsOutTheMostUrgentFirstAndCommitsInOrder() throws {
        var book = ConsumerBook(maxInFlight: 1, preservesPartitionOrder: true, capacity: 10, priorityOrdering: true)
        book.assign([0, 1])
        // Partition 0: offsets 0…3 with priorities 5, 3, 1, 3; partition 1: offset 0 with 2.
        for (offset, priority) in [(0, 5), (1, 3), (2, 1), (3, 3)] {
            _ = book.add(message(0, Int64(offset)), priority: priority)
        }
        _ = book.add(message(1, 0), priority: 2)
        var order: [String] = []
        var stores: [Int64] = []
        while let ticket = take(&book) {
            order.append("\(ticket.message.partition):\(ticket.message.offset)")
            book.finish(ticket, handled: true)
            stores += book.takePendingStores().filter { $0.partition == 0 }.map(\.offset)
        }
        #expect(order == ["0:2", "1:0", "0:1", "0:3", "0:0"])
        // Offset 0 of partition 0 went last, so nothing of it was committed
        // until then; then everything at once.
        #expect(stores == [4])
    }

    @Test func withoutPriorityOrderingThePriorityIsIgnored() throws {
        var book = ConsumerBook(maxInFlight: 1, preservesPartitionOrder: true, capacity: 10)
        book.assign([0])
        for (offset, priority) in [(0, 5), (1, 1)] { _ = book.add(message(0, Int64(offset)), priority: priority) }
        let first = try #require(take(&book))
        #expect(first.message.offset == 0)
    }
}

extension ConsumerTicket: Equatable {
    static func == (lhs: ConsumerTicket, rhs: ConsumerTicket) -> Bool {
        lhs.epoch == rhs.epoch && lhs.message.partition == rhs.message.partition && lhs.message.offset == rhs.message.offset
    }

}
