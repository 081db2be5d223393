public import CoreProtocols
import Foundation

/// An IANA time zone (`Asia/Tehran`, `America/New_York`, `UTC`) or a fixed UTC
/// offset, read from the system's tz database through Foundation.
///
/// It answers the two questions every date computation asks: the UTC offset at
/// an instant (``offset(at:)``, ``localDateTime(at:)``) and the instant a
/// wall-clock reading names (``instant(for:resolving:)``), where a reading can
/// name two instants (the repeated hour when clocks go back) or none (the hour
/// skipped when clocks go forward).
public struct WhaleTimeZone: Hashable, Sendable, CustomStringConvertible {
    /// The zone's identifier: an IANA name, or `UTC±hh:mm` for a fixed offset.
    public let identifier: String
    private let zone: TimeZone?
    private let fixedOffset: Int

    /// UTC.
    public static let utc = WhaleTimeZone(fixedOffsetSeconds: 0)

    /// The zone named `identifier` (an IANA name such as `Asia/Tehran`, or `UTC`,
    /// `GMT`, `Z`, or an offset `+03:30`), or `WhaleError(.invalidInput)` when the
    /// tz database does not know it.
    public init(identifier: String) throws(WhaleError) {
        if ["UTC", "GMT", "Z", "Etc/UTC", "Etc/GMT"].contains(identifier) {
            self = .utc
            return
        }
        if let offset = DateTimeText.parseOffset(Substring(identifier)), offset.consumed == identifier.utf8.count {
            self.init(fixedOffsetSeconds: offset.seconds)
            return
        }
        guard identifier.contains("/"), let zone = TimeZone(identifier: identifier) else {
            throw WhaleError(.invalidInput, "'\(identifier)' is not a time zone of the tz database")
        }
        self.init(identifier: identifier, zone: zone, fixedOffset: 0)
    }

    private init(identifier: String, zone: TimeZone?, fixedOffset: Int) {
        self.identifier = identifier
        self.zone = zone
        self.fixedOffset = fixedOffset
    }

    /// A zone that is always `seconds` ahead of UTC (negative: behind).
    public init(fixedOffsetSeconds seconds: Int) {
        self.init(identifier: seconds == 0 ? "UTC" : "UTC" + DateTimeText.offset(seconds, colon: true), zone: nil,
                  fixedOffset: seconds)
    }

    /// The offset from UTC in seconds at `instant` (Tehran: 12,600).
    public func offset(at instant: WhaleInstant) -> Int {
        guard let zone else { return fixedOffset }
        return zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant.secondsSinceEpoch)))
    }

    /// The wall-clock reading at `instant` in this zone.
    public func localDateTime(at instant: WhaleInstant) -> LocalDateTime {
        LocalDateTime(instant: instant, offsetSeconds: offset(at: instant))
    }

    /// The zone's abbreviation at `instant` where the tz database has one (`EST`, `EDT`), else the offset.
    public func abbreviation(at instant: WhaleInstant) -> String {
        guard let zone else { return identifier }
        return zone.abbreviation(for: Date(timeIntervalSince1970: TimeInterval(instant.secondsSinceEpoch))) ?? identifier
    }

    /// Every instant `local` names in this zone: one, two (the repeated hour
    /// when clocks go back) or none (the hour skipped when clocks go forward).
    public func mapping(of local: LocalDateTime) -> LocalTimeMapping {
        let asUTC = WhaleInstant(nanosecondsSinceEpoch: local.nanosecondsSinceEpochAsUTC)
        // Offsets in effect a day either side bound every transition near `local`
        // (no zone changes its offset twice in 48 hours).
        let before = offset(at: asUTC.advanced(by: .seconds(-86_400)))
        let after = offset(at: asUTC.advanced(by: .seconds(86_400)))
        // Each offset in effect near `local` that maps it back to itself names one instant.
        var earliest: WhaleInstant?
        var latest: WhaleInstant?
        for candidate in [before, after, offset(at: asUTC)] {
            let instant = local.instant(offsetSeconds: candidate)
            guard offset(at: instant) == candidate else { continue }
            if earliest.map({ instant < $0 }) ?? true { earliest = instant }
            if latest.map({ instant > $0 }) ?? true { latest = instant }
        }
        if let earliest, let latest {
            return earliest == latest ? .unique(earliest) : .ambiguous(earlier: earliest, later: latest)
        }
        // In a gap: read with the offset before the transition, the reading lands
        // as far past the transition as it was past the gap's start.
        let gap = after - before
        return .skipped(shiftedForward: local.instant(offsetSeconds: before), gap: .seconds(gap))
    }

    /// The instant `local` names in this zone, with ambiguous and skipped
    /// readings resolved as `resolution` says (by default: the earlier instant
    /// of a repeated reading; a skipped reading shifted forward by the gap, so
    /// 02:30 on the morning clocks jump from 02:00 to 03:00 is 03:30).
    public func instant(for local: LocalDateTime, resolving resolution: LocalTimeResolution = .default) throws(WhaleError)
        -> WhaleInstant
    {
        switch mapping(of: local) {
        case .unique(let instant):
            return instant
        case .ambiguous(let earlier, let later):
            switch resolution.ambiguous {
            case .earlier: return earlier
            case .later: return later
            case .reject: throw WhaleError(.invalidInput, "\(local) happens twice in \(identifier)")
            }
        case .skipped(let shifted, _):
            switch resolution.skipped {
            case .shiftForward: return shifted
            case .nextValid: return transition(before: shifted)
            case .reject: throw WhaleError(.invalidInput, "\(local) does not exist in \(identifier) (clocks skip it)")
            }
        }
    }

    /// The first instant after `instant` at which the zone's UTC offset changes,
    /// or `nil` for a fixed offset or a zone with no further changes.
    public func nextTransition(after instant: WhaleInstant) -> WhaleInstant? {
        guard let zone else { return nil }
        let date = Date(timeIntervalSince1970: TimeInterval(instant.secondsSinceEpoch))
        guard let next = zone.nextDaylightSavingTimeTransition(after: date) else { return nil }
        let seconds = Int64(next.timeIntervalSince1970.rounded(.up))
        return WhaleInstant(secondsSinceEpoch: seconds > instant.secondsSinceEpoch ? seconds : instant.secondsSinceEpoch + 1)
    }

    /// The instant of the last offset change at or before `instant` (searched
    /// in the day before it, to the second).
    func transition(before instant: WhaleInstant) -> WhaleInstant {
        let target = offset(at: instant)
        var low = instant.secondsSinceEpoch - 86_400
        var high = instant.secondsSinceEpoch
        while high - low > 1 {
            let mid = low + (high - low) / 2
            if offset(at: WhaleInstant(secondsSinceEpoch: mid)) == target { high = mid } else { low = mid }
        }
        return WhaleInstant(secondsSinceEpoch: high)
    }

    public var description: String { identifier }

    public static func == (lhs: WhaleTimeZone, rhs: WhaleTimeZone) -> Bool { lhs.identifier == rhs.identifier }
    public func hash(into hasher: inout Hasher) { hasher.combine(identifier) }
}

/// What a wall-clock reading names in a time zone.
public enum LocalTimeMapping: Hashable, Sendable {
    /// One instant.
    case unique(WhaleInstant)
    /// Two instants: the reading happens twice because clocks went back.
    case ambiguous(earlier: WhaleInstant, later: WhaleInstant)
    /// None: clocks jumped over the reading. `shiftedForward` is the reading
    /// moved forward by the gap (02:30 → 03:30 for a one-hour gap at 02:00).
    case skipped(shiftedForward: WhaleInstant, gap: Duration)
}

/// How ``WhaleTimeZone/instant(for:resolving:)`` resolves readings that name two
/// instants or none.
///
/// The default is java.time's and croniter's: the earlier instant of a repeated
/// reading, and a skipped reading shifted forward by the length of the gap.
public struct LocalTimeResolution: Hashable, Sendable {
    /// For a reading that happens twice.
    public enum Ambiguous: Hashable, Sendable {
        /// The first occurrence (the offset before clocks went back). The default.
        case earlier
        /// The second occurrence.
        case later
        /// Throw `WhaleError(.invalidInput)`.
        case reject
    }

    /// For a reading clocks jump over.
    public enum Skipped: Hashable, Sendable {
        /// Move the reading forward by the gap (02:30 → 03:30). The default.
        case shiftForward
        /// The first valid instant: the transition itself (02:30 → 03:00).
        case nextValid
        /// Throw `WhaleError(.invalidInput)`.
        case reject
    }

    /// For repeated readings.
    public var ambiguous: Ambiguous
    /// For skipped readings.
    public var skipped: Skipped

    /// Creates a resolution.
    public init(ambiguous: Ambiguous = .earlier, skipped: Skipped = .shiftForward) {
        self.ambiguous = ambiguous
        self.skipped = skipped
    }

    /// Earlier instant for repeated readings, shift forward for skipped ones.
    public static let `default` = LocalTimeResolution()
    /// Throw for both.
    public static let strict = LocalTimeResolution(ambiguous: .reject, skipped: .reject)
}
