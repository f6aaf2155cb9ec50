import HTTPTypes

/// How large a request's body may be and how long its handling may take, by route class:
/// small bodies for credentials; the default for commands and queries (long enough for a
/// query's read-your-writes wait of up to 10 s); longer for reports and exports, which read
/// whole periods.
public struct RequestLimits: Sendable, Equatable {
    public struct Limit: Sendable, Equatable {
        /// Bodies over this many bytes get 413 `body_too_large`.
        public var bodyBytes: Int
        /// Past this, the handler is cancelled and the answer is 503 `request_timeout`.
        public var timeout: Duration

        public init(bodyBytes: Int, timeout: Duration) {
            self.bodyBytes = bodyBytes
            self.timeout = timeout
        }
    }

    /// `/auth/…`: credentials and tokens.
    public var credentials: Limit
    /// Every other route but the reports.
    public var standard: Limit
    /// `/admin/analytics/…`, `/admin/streams/…`, the dashboard and personal-data exports.
    public var reports: Limit
    /// `/admin/products/import`: a catalog file of up to 10,000 rows.
    public var imports: Limit
    /// `/admin/products/{id}/images`: an image of up to 5 MiB with its form fields.
    public var uploads: Limit

    public init(
        credentials: Limit = Limit(bodyBytes: 8 * 1024, timeout: .seconds(15)),
        standard: Limit = Limit(bodyBytes: 64 * 1024, timeout: .seconds(15)),
        reports: Limit = Limit(bodyBytes: 64 * 1024, timeout: .seconds(60)),
        imports: Limit = Limit(bodyBytes: 16 * 1024 * 1024, timeout: .seconds(120)),
        uploads: Limit = Limit(bodyBytes: 6 * 1024 * 1024, timeout: .seconds(60))
    ) {
        self.uploads = uploads
        self.credentials = credentials
        self.standard = standard
        self.reports = reports
        self.imports = imports
    }

    /// The limit of a request to `path`.
    func limit(of path: String) -> Limit {
        if path.hasPrefix("/auth/") { return credentials }
        if path == "/admin/products/import" { return imports }
        if path.hasPrefix("/admin/products/"), path.hasSuffix("/images") { return uploads }
        if path.hasPrefix("/admin/analytics/") || path.hasPrefix("/admin/streams/") || path.hasSuffix("/export") || path == "/admin/dashboard" {
            return reports
        }
        return standard
    }
}
