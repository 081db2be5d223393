import ArgumentParser
import Foundation
import Testing

@testable import whale

@Suite struct DoctorTests {
    let dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("whale-doctor-\(UUID().uuidString)").path

    @Test func aDeadRedisFailsTheDoctor() async throws {
        defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
        let doctor = try Doctor.parse(["--redis", "redis://127.0.0.1:1", "--data-dir", dataDirectory])
        await #expect(throws: ExitCode.failure) { try await doctor.run() }
    }

    @Test func onlyTheSQLiteDirectoryPassesWithNothingElseConfigured() async throws {
        defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
        let doctor = try Doctor.parse(["--data-dir", dataDirectory])
        try await doctor.run()
    }

    @Test func tableColumnsAlign() {
        let table = Doctor.table(header: ["A", "STATUS"], rows: [["redis", "down"], ["x", "up"]])
        #expect(table == "A      STATUS\nredis  down\nx      up")
    }
}
