import Crypto
import Aggregates
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PostgresNIO
import Projections

/// `GET /admin/dashboard` and its sign-in: a browser signs in with an admin account through a
/// form and holds an HttpOnly, SameSite=Strict session cookie (a bearer admin token works too).
/// Sign-in and sign-out are CSRF-safe: the form's token must match the cookie set with the form,
/// and a browser's `Origin` must be this host.
struct DashboardRoutes {
    let accounts: Accounts
    let limits: AuthLimits
    /// Dashboard sessions: signed like access tokens, under their own issuer, for 8 hours.
    let sessions: AccessTokens
    let reader: AnalyticsReader
    let postgres: PostgresClient
    let logger: Logger

    static let sessionCookie = "commerce_session"
    static let csrfCookie = "commerce_csrf"
    static let path = "/admin/dashboard"

    struct LoginForm: Decodable {
        let email: String
        let password: String
        let csrf: String
    }

    struct LogoutForm: Decodable {
        let csrf: String
    }

    func addRoutes(to router: Router<CommerceRequestContext>) {
        router.get(RouterPath(Self.path)) { request, context -> Response in
            guard signedInAdmin(request, context) else { return Self.redirect(to: "\(Self.path)/login") }
            let query = request.uri.queryParameters
            let period = try await ReportPeriod.parse(query, reader: reader)
            let currency = try ReportPeriod.currency(query["currency"]) ?? "EUR"
            let csrf = request.cookies[Self.csrfCookie]?.value ?? AccessTokens.randomToken()
            var lags: [DashboardPage.Lag] = []
            for model in ReadModels.all {
                lags.append(DashboardPage.Lag(readModel: model.name, eventsBehind: try await ProjectionStatus.eventsBehind(model, client: postgres, logger: logger)))
            }
            let page = DashboardPage(
                period: period, currency: currency, exponent: (try? Currency(currency))?.exponent ?? 2,
                sales: try await reader.sales(period, granularity: .day, currency: currency),
                topProducts: try await reader.topProducts(period, by: .revenue, limit: 8, category: nil, currency: currency),
                funnel: try await reader.funnel(period, currency: currency),
                lowStock: Array(try await reader.lowStock(now: Date()).prefix(12)), lags: lags, csrfToken: csrf
            )
            var response = Self.html(page.render())
            response.setCookie(Self.csrf(csrf, request))
            return response
        }
        router.get(RouterPath("\(Self.path)/login")) { request, _ -> Response in
            let csrf = AccessTokens.randomToken()
            var response = Self.html(LoginPage(csrfToken: csrf, message: nil).render())
            response.setCookie(Self.csrf(csrf, request))
            return response
        }
        router.post(RouterPath("\(Self.path)/login")) { request, context -> Response in
            guard let form = try? await URLEncodedFormDecoder().decode(LoginForm.self, from: request, context: context) else {
                return Self.loginAgain(request, status: .badRequest, "Fill in the e-mail and the password.")
            }
            guard Self.sameOrigin(request), Self.csrfMatches(form.csrf, request) else {
                return Self.loginAgain(request, status: .forbidden, "The form had expired. Please sign in again.")
            }
            let signedIn: Principal?
            do {
                signedIn = try await limits.signIn(email: form.email, from: context.remoteAddress) {
                    try await accounts.authenticate(email: form.email, password: form.password)
                }
            } catch let problem as Problem where problem.code == Accounts.blocked.code {
                return Self.loginAgain(request, status: .forbidden, "This account is blocked.")
            }
            guard let principal = signedIn else {
                return Self.loginAgain(request, status: .unauthorized, "The e-mail or the password is wrong.")
            }
            guard principal.role == .admin else {
                return Self.loginAgain(request, status: .forbidden, "The dashboard is for admin accounts.")
            }
            var response = Self.redirect(to: Self.path)
            response.setCookie(Cookie(
                name: Self.sessionCookie, value: sessions.issue(for: principal), maxAge: Int(sessions.lifetime), path: Self.path,
                secure: Self.isSecure(request), httpOnly: true, sameSite: .strict
            ))
            return response
        }
        router.post(RouterPath("\(Self.path)/logout")) { request, context -> Response in
            guard let form = try? await URLEncodedFormDecoder().decode(LogoutForm.self, from: request, context: context),
                  Self.sameOrigin(request), Self.csrfMatches(form.csrf, request)
            else { return Self.loginAgain(request, status: .forbidden, "The form had expired. Please sign in again.") }
            var response = Self.redirect(to: "\(Self.path)/login")
            response.setCookie(Cookie(name: Self.sessionCookie, value: "", maxAge: 0, path: Self.path, secure: Self.isSecure(request), httpOnly: true, sameSite: .strict))
            return response
        }
    }

    /// An admin by session cookie, or by bearer token (an API client).
    private func signedInAdmin(_ request: Request, _ context: CommerceRequestContext) -> Bool {
        if context.principal?.role == .admin { return true }
        guard let token = request.cookies[Self.sessionCookie]?.value, let principal = try? sessions.verify(token) else { return false }
        return principal.role == .admin
    }

    private static func loginAgain(_ request: Request, status: HTTPResponse.Status, _ message: String) -> Response {
        let csrf = AccessTokens.randomToken()
        var response = html(LoginPage(csrfToken: csrf, message: message).render(), status: status)
        response.setCookie(Self.csrf(csrf, request))
        return response
    }

    private static func csrf(_ token: String, _ request: Request) -> Cookie {
        Cookie(name: csrfCookie, value: token, path: path, secure: isSecure(request), httpOnly: true, sameSite: .strict)
    }

    private static func csrfMatches(_ submitted: String, _ request: Request) -> Bool {
        guard let expected = request.cookies[csrfCookie]?.value, !expected.isEmpty else { return false }
        // Compared in constant time: digests of equal length.
        return Data(SHA256.hash(data: Data(submitted.utf8))) == Data(SHA256.hash(data: Data(expected.utf8)))
    }

    /// A browser names the page's origin on a form post; it must be this host. (Pages here send
    /// `Referrer-Policy: same-origin`: with `no-referrer` a browser would send `Origin: null`.)
    private static func sameOrigin(_ request: Request) -> Bool {
        guard let origin = request.headers[.origin] else { return true }
        guard let host = request.head.authority else { return false }
        return origin == "http://\(host)" || origin == "https://\(host)"
    }

    private static func isSecure(_ request: Request) -> Bool {
        request.head.scheme == "https" || request.headers[HTTPField.Name("X-Forwarded-Proto")!] == "https"
    }

    private static func redirect(to location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    static func html(_ page: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
                HTTPField.Name("X-Frame-Options")!: "DENY", HTTPField.Name("X-Content-Type-Options")!: "nosniff", HTTPField.Name("Referrer-Policy")!: "same-origin",
            ],
            body: .init(byteBuffer: .init(string: page))
        )
    }
}
