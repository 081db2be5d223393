import CoreProtocols

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Setting a corrupt or unreadable database file aside, so the tier can
/// start over with an empty one and the bad file stays for inspection.
enum SQLiteQuarantine {
    /// Whether `path` names an existing regular file.
    static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0 else { return false }
        return (info.st_mode & S_IFMT) == S_IFREG
    }

    /// Renames `path` to `<path>.corrupt-<stamp>` (with `-1`, `-2`… when
    /// taken), its `-wal` and `-journal` files beside it the same way, and
    /// removes its `-shm` index (SQLite rebuilds it). Returns the new path.
    /// - Parameter stamp: milliseconds since the epoch.
    /// - Throws: `WhaleError(.io)` when the file cannot be renamed.
    static func quarantine(_ path: String, stamp: Int64) throws -> String {
        var target = "\(path).corrupt-\(stamp)"
        var attempt = 0
        while access(target, F_OK) == 0 {
            attempt += 1
            target = "\(path).corrupt-\(stamp)-\(attempt)"
        }
        guard rename(path, target) == 0 else {
            let reason = String(cString: strerror(errno))
            throw WhaleError(.io, "cannot move corrupt SQLite file '\(path)' to '\(target)': \(reason)")
        }
        for suffix in ["-wal", "-journal"] where access(path + suffix, F_OK) == 0 {
            if rename(path + suffix, target + suffix) != 0 { unlink(path + suffix) }
        }
        unlink(path + "-shm")
        return target
    }
}
