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

    /// `book.nextRun(limit:into:)`, outside the expectation macros.
    private func takeRun(_ book: inout ConsumerBook, limit: Int = 3) -> (ConsumerGate?, [ConsumerTicket]) {
        var run: [ConsumerTicket?] = []
        let gate = book.nextRun(limit: limit, into: &run)
        return (gate, run.compactMap { $0 })
    }

    @Test func runsHandOutOnePartitionsMessagesInOffsetOrderAndRoundRobin() throws {
        var book = ConsumerBook(maxInFlight: 1, preservesPartitionOrder: true, capacity: 20)
        book.assign([0, 1])
        for offset in 0..<4 { _ = book.add(message(0, Int64(offset))) }
        for offset in 0..<2 { _ = book.add(message(1, Int64(offset))) }

        let (firstGate, first) = takeRun(&book)
        #expect(firstGate != nil)
        #expect(first.map(\.message.partition) == [0, 0, 0])
        #expect(first.map(\.message.offset) == [0, 1, 2], "at most the limit, in offset order")
        #expect(book.inFlight == 3)
        let (whileRunning, nothing) = takeRun(&book)
        #expect(whileRunning == nil && nothing.isEmpty, "nothing more while a run is in flight")
        #expect(take(&book) == nil)

        for ticket in first { book.finish(ticket.receipt, handled: true) }
        #expect(book.takePendingStores().map(\.offset) == [3])
        let (_, second) = takeRun(&book)
        #expect(second.map(\.message.partition) == [1, 1], "the next partition's turn, all it has")
        for ticket in second { book.finish(ticket.receipt, handled: true) }
        let (_, third) = takeRun(&book)
        #expect(third.map(\.message.offset) == [3])
    }

    @Test func aRevocationClosesTheRunsGateAndItsUnhandledRestStaysUncommitted() throws {
        var book = ConsumerBook(maxInFlight: 1, preservesPartitionOrder: true, capacity: 20)
        book.assign([0])
        for offset in 0..<5 { _ = book.add(message(0, Int64(offset))) }
        let (gate, run) = takeRun(&book)
        let open = try #require(gate)
        #expect(!open.isClosed)

        // The first message is handled; then the partition is revoked.
        book.finish(run[0].receipt, handled: true)
        let (running, dropped) = book.beginRevoke([0])
        #expect(open.isClosed)
        #expect(running == 2, "the rest of the run is still booked as running")
        #expect(dropped == 2, "offsets 3 and 4 were still waiting")
        for ticket in run.dropFirst() { book.finish(ticket.receipt, handled: false) }
        #expect(book.running(in: [0]) == 0)
        let offsets = book.finishRevoke([0])
        #expect(offsets.map(\.offset) == [1], "only past the handled message")
        #expect(book.inFlight == 0)
    }

    @Test func drainingAndReassigningCloseTheGates() throws {
        var book = ConsumerBook(maxInFlight: 1, preservesPartitionOrder: true, capacity: 20)
        book.assign([0, 1])
        _ = book.add(message(0, 0))
        _ = book.add(message(1, 0))
        let (zero, run) = takeRun(&book)
        let zeroGate = try #require(zero)
        for ticket in run { book.finish(ticket.receipt, handled: true) }
        let (one, _) = takeRun(&book)
        let oneGate = try #require(one)

        book.assign([0])
        #expect(zeroGate.isClosed, "a new epoch of partition 0: the old one's gate closed")
        #expect(!oneGate.isClosed)
        _ = book.beginDrain()
        #expect(oneGate.isClosed)
        let (afterDrain, nothing) = takeRun(&book)
        #expect(afterDrain == nil && nothing.isEmpty)
    }

    @Test func withPriorityOrderingARunIsTheOneMostUrgentMessage() throws {
        var book = ConsumerBook(maxInFlight: 1, preservesPartitionOrder: true, capacity: 20, priorityOrdering: true)
        book.assign([0])
        for (offset, priority) in [(0, 4), (1, 1), (2, 3)] { _ = book.add(message(0, Int64(offset)), priority: priority) }
        let (_, run) = takeRun(&book, limit: 64)
        #expect(run.map(\.message.offset) == [1])
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
