/// How many requests one client address may make in a window, by route class, counted across
/// every server of a database (the API's `RateLimiter`). A limit of 0 lifts that class's limit.
public struct RateLimitSettings: Sendable, Equatable {
    /// `POST /auth/…`: sign-in, registration, token refresh, e-mail requests.
    public var auth: Int
    /// Every other request that changes something.
    public var commands: Int
    /// `GET` and `HEAD`.
    public var queries: Int
    /// The window's length in seconds: windows start at multiples of it since the Unix epoch.
    public var windowSeconds: Int

    public init(auth: Int = 60, commands: Int = 600, queries: Int = 3000, windowSeconds: Int = 60) {
        self.auth = auth
        self.commands = commands
        self.queries = queries
        self.windowSeconds = windowSeconds
    }

    /// No limit on any class.
    public static let unlimited = RateLimitSettings(auth: 0, commands: 0, queries: 0)
}
