/// Decides whether a subject may do something: the seam between the security
/// module's RBAC and every module that protects an operation.
public protocol Authorizer: Sendable {
    /// Decides whether `subject` holds `permission`, optionally on `resource`.
    func authorize(subject: String, permission: String, resource: String?) async -> AuthorizationDecision
}

/// The answer of an ``Authorizer``.
public struct AuthorizationDecision: Hashable, Sendable {
    /// Whether the operation is allowed.
    public var isAllowed: Bool
    /// Why (the matching role or the missing permission), for audit logs.
    public var reason: String

    public init(isAllowed: Bool, reason: String) {
        self.isAllowed = isAllowed
        self.reason = reason
    }

    /// Allowed, with the reason.
    public static func allow(_ reason: String) -> AuthorizationDecision { .init(isAllowed: true, reason: reason) }
    /// Denied, with the reason.
    public static func deny(_ reason: String) -> AuthorizationDecision { .init(isAllowed: false, reason: reason) }
}
