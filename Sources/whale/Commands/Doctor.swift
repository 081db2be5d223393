import ArgumentParser
import CoreMonitoring
import CoreProtocols
import Foundation

/// `whale doctor`: checks every configured service and prints a table.
struct Doctor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check each configured service (SQLite write, Redis PING, Kafka metadata); exit 1 when one fails."
    )

    @OptionGroup var options: NodeOptions

    func run() async throws {
        try await reportingFailures {
            let diagnosis = try await Self.diagnose(try options.resolve())
            print(diagnosis.table)
            for problem in diagnosis.problems { printError(problem) }
            guard diagnosis.isHealthy else { throw ExitCode.failure }
        }
    }

    /// What the doctor found: the table to print, problems for stderr, and
    /// whether every configured service passed.
    struct Diagnosis {
        var table: String
        var problems: [String]
        var isHealthy: Bool
    }

    /// Runs the readiness checks of `configuration` once.
    static func diagnose(_ configuration: NodeConfiguration) async throws -> Diagnosis {
        var problems: [String] = []
        do {
            try configuration.prepareDataDirectory()
        } catch {
            problems.append("\(error)")
        }
        let health = try NodeHealth(configuration: configuration)
        let report = await health.registry.report(for: .readiness)
        await health.close()

        var rows = report.checks.map { [$0.name, $0.status, String(format: "%.1f ms", $0.durationMilliseconds), $0.reason ?? ""] }
        if configuration.redis == nil { rows.append(["redis", "off", "-", "not configured (--redis or WHALE_REDIS_URL)"]) }
        if configuration.kafka == nil { rows.append(["kafka", "off", "-", "not configured (--kafka or WHALE_KAFKA_BROKERS)"]) }
        if !report.isHealthy { problems.append("failing: \(report.failing.joined(separator: ", "))") }
        return Diagnosis(
            table: table(header: ["SERVICE", "STATUS", "TIME", "DETAIL"], rows: rows),
            problems: problems,
            isHealthy: report.isHealthy
        )
    }

    /// Left-aligned columns separated by two spaces.
    static func table(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
