public import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension Mutex where Value: ~Copyable {
    /// `withLock`, made visible to ThreadSanitizer.
    ///
    /// On Linux, `Synchronization.Mutex` locks in the (uninstrumented) standard
    /// library, so TSan sees no happens-before edge between two critical
    /// sections and reports races on the state a correct `Mutex` protects
    /// (eight threads appending to a `Mutex<[Int]>` give 12–15 reports). This
    /// tells TSan about the hand-off with `__tsan_acquire`/`__tsan_release` on
    /// the mutex's address, found with `dlsym` when the TSan runtime is
    /// present; without it, the cost is two loads of a `nil` function pointer.
    /// Every Mutex in the package locks through this.
    @inlinable @inline(__always)
    package borrowing func locked<Result: ~Copyable, E: Error>(
        _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result {
        let address = withUnsafePointer(to: self) { UnsafeRawPointer($0) }
        return try withLock { (value: inout sending Value) throws(E) -> sending Result in
            ThreadSanitizerHooks.acquire?(address)
            defer { ThreadSanitizerHooks.release?(address) }
            return try body(&value)
        }
    }

    /// `withLockIfAvailable`, made visible to ThreadSanitizer as ``locked(_:)``
    /// is: runs `body` when the lock is free now, returns `nil` without
    /// waiting when another thread holds it.
    @inlinable @inline(__always)
    package borrowing func lockedIfAvailable<Result: ~Copyable, E: Error>(
        _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result? {
        let address = withUnsafePointer(to: self) { UnsafeRawPointer($0) }
        return try withLockIfAvailable { (value: inout sending Value) throws(E) -> sending Result in
            ThreadSanitizerHooks.acquire?(address)
            defer { ThreadSanitizerHooks.release?(address) }
            return try body(&value)
        }
    }
}

/// The TSan runtime's annotation functions, when the process has them.
@usableFromInline
package enum ThreadSanitizerHooks {
    @usableFromInline package typealias Hook = @convention(c) (UnsafeRawPointer?) -> Void

    /// `__tsan_acquire`, or `nil` outside a TSan build.
    @usableFromInline package static let acquire: Hook? = lookup("__tsan_acquire")
    /// `__tsan_release`, or `nil` outside a TSan build.
    @usableFromInline package static let release: Hook? = lookup("__tsan_release")

    private static func lookup(_ name: String) -> Hook? {
        // A null handle is RTLD_DEFAULT: search the process's global scope.
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        return unsafeBitCast(symbol, to: Hook.self)
    }
}
