import CoreMetrics
import CoreProtocols
import Synchronization

extension MemoryCache {
    /// What a locked operation hands to ``publish(_:)``: the removal records
    /// for the listener and the counts for the metrics.
    struct Removals: Sendable {
        var records: [MemoryCacheRemoval<Key, Value>] = []
        var statistics = MemoryCacheStatistics()
    }

    enum SetOutcome: Sendable {
        case stored(Removals)
        case tooHeavy(Int)
        case full
    }

    /// The time in nanoseconds when some entry has a deadline, else `nil`.
    func currentTime(_ state: MemoryCachePolicyState) -> Int64? {
        state.core.timerCount > 0 ? clock.now.nanosecondsSinceEpoch : nil
    }

    /// The maintenance cycle with the victims removed from the shards and the
    /// statistics gathered.
    /// - Parameter now: the time, when the caller has read it.
    func maintain(_ state: inout MemoryCachePolicyState, now: Int64?, _ removals: inout Removals) {
        state.maintain(readBuffer: readBuffer, now: now ?? currentTime(state))
        collectVictims(&state, &removals)
        finish(&state, &removals)
    }

    /// Updates the mirrors and fills in the statistics to publish.
    func finish(_ state: inout MemoryCachePolicyState, _ removals: inout Removals) {
        updateMirrors(state)
        let statistics = state.statistics(readBuffer: readBuffer)
        removals.statistics.hits = statistics.hits
        removals.statistics.misses = statistics.misses
        removals.statistics.count = statistics.count
        removals.statistics.weightedSize = statistics.weightedSize
    }

    /// Stores the entry count and weight for ``count`` and ``weightedSize``,
    /// only when they changed (a store would take the line from readers).
    func updateMirrors(_ state: MemoryCachePolicyState) {
        if countMirror.load(ordering: .relaxed) != state.core.count {
            countMirror.store(state.core.count, ordering: .relaxed)
        }
        if weightMirror.load(ordering: .relaxed) != state.core.weightedSize {
            weightMirror.store(state.core.weightedSize, ordering: .relaxed)
        }
    }

    /// Records `key` as the key of the node `reference`.
    func assign(_ key: Key, to reference: UInt64) {
        let index = Int(truncatingIfNeeded: reference & 0xFFFF_FFFF)
        keyTable.locked { keys in
            if index >= keys.count {
                keys.append(contentsOf: repeatElement(nil, count: index + 1 - keys.count))
            }
            keys[index] = key
        }
    }

    /// Removes the policy's victims from the shards and records them.
    func collectVictims(_ state: inout MemoryCachePolicyState, _ removals: inout Removals) {
        if state.victims.isEmpty { return }
        let victims = state.victims
        state.victims.removeAll(keepingCapacity: true)
        let keys = keyTable.locked { keys -> [Key?] in
            victims.map { victim in
                let index = Int(victim.index)
                let key = keys[index]
                keys[index] = nil
                return key
            }
        }
        let listening = configuration.removalListener != nil
        for (victim, key) in zip(victims, keys) {
            guard let key else { continue }
            let hash = Int(truncatingIfNeeded: victim.hash)
            let shard = shards.shard(for: hash)
            let value = shards.write(shard, readers: readBuffer) { table -> Value? in
                guard let index = table.index(of: key, hash: hash), table.slot(at: index)?.node == victim.reference
                else {
                    return nil
                }
                return table.remove(at: index)?.slot.value
            }
            guard let value else { continue }
            state.evictions += 1
            if victim.cause == .expired {
                removals.statistics.expired += 1
            } else {
                removals.statistics.evicted += 1
            }
            if listening {
                removals.records.append(
                    MemoryCacheRemoval(
                        key: key, value: value, cause: victim.cause, frequency: min(15, victim.frequency))
                )
            }
        }
    }

    /// Takes an entry already removed from its shard out of the policy and records it.
    func forget(
        _ state: inout MemoryCachePolicyState,
        key: Key,
        slot: MemoryCacheSlot<Value>,
        cause: MemoryCacheRemovalCause,
        into removals: inout Removals
    ) {
        let frequency = state.core.remove(slot.node) ?? 0
        let index = Int(truncatingIfNeeded: slot.node & 0xFFFF_FFFF)
        keyTable.locked { keys in
            if index < keys.count { keys[index] = nil }
        }
        switch cause {
        case .expired:
            removals.statistics.expired += 1
            state.evictions += 1
        case .explicit:
            removals.statistics.explicit += 1
        case .evicted, .replaced:
            break
        }
        if configuration.removalListener != nil {
            removals.records.append(
                MemoryCacheRemoval(key: key, value: slot.value, cause: cause, frequency: min(15, frequency))
            )
        }
    }

    /// Outside every lock: updates the metrics and calls the removal listener.
    func publish(_ removals: Removals) {
        publish(removals.statistics)
        if let listener = configuration.removalListener {
            for record in removals.records {
                listener(record)
            }
        }
    }

    /// Outside every lock: updates the metrics.
    func publish(_ statistics: MemoryCacheStatistics) {
        if statistics.hits > 0 { metrics.hits.increment(by: statistics.hits) }
        if statistics.misses > 0 { metrics.misses.increment(by: statistics.misses) }
        if statistics.evicted > 0 { metrics.evictedForSize.increment(by: statistics.evicted) }
        if statistics.expired > 0 { metrics.expired.increment(by: statistics.expired) }
        if let count = statistics.count { metrics.entries.record(count) }
        if let weight = statistics.weightedSize { metrics.weightedSize.record(weight) }
    }
}

extension MemoryCache {
    /// What is inconsistent between the shards and the policy (for tests);
    /// empty when all is well. Drains the read buffer first.
    func consistencyProblems() -> [String] {
        policy.locked { state in
            state.drainReads(readBuffer)
            let keys = keyTable.locked { $0 }
            var problems = state.core.consistencyProblems
            var entries = 0
            var weight = 0
            for index in 0..<shards.count {
                let shard = index
                shards.readLocked(shard) { table in
                    for entry in table.allEntries {
                        let (key, slot) = (entry.key, entry.slot)
                        entries += 1
                        guard let index = state.core.liveIndex(slot.node) else {
                            problems.append("\(key): its node is not live")
                            continue
                        }
                        weight += state.core.nodes[Int(index)].weight
                        if Int(index) >= keys.count || keys[Int(index)] != key {
                            problems.append("\(key): its node names another key")
                        }
                        if state.core.nodes[Int(index)].expiresAt != slot.expiresAt {
                            problems.append("\(key): the node's deadline differs from the slot's")
                        }
                    }
                }
            }
            if entries != state.core.count {
                problems.append("shards hold \(entries) entries, the policy \(state.core.count)")
            }
            if weight != state.core.weightedSize {
                problems.append("shards weigh \(weight), the policy \(state.core.weightedSize)")
            }
            if count != state.core.count { problems.append("count mirror \(count), policy \(state.core.count)") }
            return problems
        }
    }
}
