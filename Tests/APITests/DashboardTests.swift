import API
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PostgresNIO
import Projections
import Testing
import TestSupport

/// The admin dashboard: its sign-in refuses what it should over plain HTTP, and in headless
/// Chromium an admin signs in through the form and sees every chart with its points.
@Suite("Admin dashboard")
struct DashboardTests {
    static let password = "dashboard-admin-password"

    @Test("sign-in refuses forged, wrong and non-admin attempts; the session is no API token")
    func signInRefusals() async throws {
        try await withAPI { api, postgres in
            let email = "boss@example.com"
            _ = try await createAdminAccount(postgres: postgres, email: email, password: Self.password, logger: TestEnvironment.logger)
            let customer = "shopper@example.com"
            _ = try await api.register(customer)

            #expect(try await api.form(.get, "/admin/dashboard").status == .seeOther)
            let form = try await api.form(.get, "/admin/dashboard/login")
            #expect(form.status == .ok && form.headers[.contentType] == "text/html; charset=utf-8")
            let csrf = try #require(form.cookie("commerce_csrf"))
            #expect(form.setCookies.contains { $0.contains("commerce_csrf=") && $0.contains("HttpOnly") && $0.contains("SameSite=Strict") })
            #expect(form.body.contains("value=\"\(csrf)\""))

            func signIn(_ email: String, _ password: String, field: String? = nil, cookie: String? = nil, origin: String? = nil) async throws -> FormAnswer {
                var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
                if let cookie { headers[.cookie] = "commerce_csrf=\(cookie)" }
                if let origin { headers[.origin] = origin }
                let body = "email=\(email.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)&password=\(password)&csrf=\(field ?? csrf)"
                return try await api.form(.post, "/admin/dashboard/login", headers: headers, body: body)
            }
            #expect(try await signIn(email, Self.password, cookie: nil).status == .forbidden, "no CSRF cookie")
            #expect(try await signIn(email, Self.password, field: "forged", cookie: csrf).status == .forbidden, "field and cookie differ")
            #expect(try await signIn(email, Self.password, cookie: csrf, origin: "https://evil.example").status == .forbidden, "another origin")
            #expect(try await signIn(email, "wrong-password", cookie: csrf).status == .unauthorized)
            let notAdmin = try await signIn(customer, "correct%20horse%20battery", cookie: csrf)
            #expect(notAdmin.status == .forbidden && notAdmin.body.contains("admin accounts"))

            let signedIn = try await signIn(email, Self.password, cookie: csrf)
            #expect(signedIn.status == .seeOther && signedIn.headers[.location] == "/admin/dashboard")
            let session = try #require(signedIn.cookie("commerce_session"))
            #expect(signedIn.setCookies.contains { $0.contains("commerce_session=") && $0.contains("HttpOnly") && $0.contains("SameSite=Strict") })
            let page = try await api.form(.get, "/admin/dashboard", headers: [.cookie: "commerce_session=\(session)"])
            #expect(page.status == .ok && page.body.contains("data-chart=\"revenue\""))
            // The session cookie is not a bearer token for the API.
            #expect(try await api.call(.get, "/admin/analytics/funnel", token: session).status == .unauthorized)
        }
    }

    @Test("in headless Chromium an admin signs in and sees each chart with its points")
    func inTheBrowser() async throws {
        try await withAPI { api, postgres in
            let email = "chief@example.com"
            _ = try await createAdminAccount(postgres: postgres, email: email, password: Self.password, logger: TestEnvironment.logger)
            // Twenty days of history: all of it inside the dashboard's default thirty days.
            let history = try await AnalyticsTests.loadHistory(postgres, days: 20)
            try await projectInBatches(postgres, size: 200)
            let fold = ExpectedFigures(history: history, zone: "UTC")
            let port = try #require(api.client.port)

            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            let artifacts = ProcessInfo.processInfo.environment["COMMERCE_TEST_ARTIFACTS"].map { URL(fileURLWithPath: $0) }
                ?? root.appendingPathComponent(".test-artifacts")
            try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
            let screenshot = artifacts.appendingPathComponent("dashboard.png")
            try? FileManager.default.removeItem(at: screenshot)

            let output = try await run(pythonExecutable, [root.appendingPathComponent("scripts/dashboard_browser.py").path, "http://127.0.0.1:\(port)", email, Self.password, screenshot.path])
            struct Report: Decodable {
                let path: String
                let alert: String?
                let cookies: String
                let charts: [String: Int]
                let labelled: Bool
            }
            let report = try JSONDecoder().decode(Report.self, from: Data(output.utf8))
            #expect(report.path == "/admin/dashboard", "\(report.alert ?? "")")
            #expect(report.cookies.isEmpty, "the session cookie is HttpOnly: no script sees it")
            let eurProducts = Set(fold.products.keys.filter { $0.currency == "EUR" }.map(\.product)).count
            #expect(report.charts == [
                "revenue": 30, "orders": 30, "top-products": min(8, eurProducts), "funnel": 5,
                "low-stock": min(12, fold.lowStock.count), "lag": ReadModels.all.count,
            ])
            #expect(report.labelled)
            let png = try Data(contentsOf: screenshot)
            #expect(png.count > 10_000 && png.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]))
        }
    }

    /// Runs a program to its end; its standard output, or a failure with its standard error.
    func run(_ executable: String, _ arguments: [String]) async throws -> String {
        let result = try runExternalProcess(executable, arguments)
        guard result.status == 0 else {
            Issue.record("\(executable) failed: \(result.errors)")
            throw CancellationError()
        }
        return result.output
    }
}

struct FormAnswer {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let body: String

    var setCookies: [String] { headers[values: .setCookie] }

    /// The value a Set-Cookie of this answer gives `name`.
    func cookie(_ name: String) -> String? {
        for header in setCookies where header.hasPrefix("\(name)=") {
            return String(header.dropFirst(name.count + 1).prefix { $0 != ";" })
        }
        return nil
    }
}

extension APIClient {
    func form(_ method: HTTPRequest.Method, _ path: String, headers: HTTPFields = [:], body: String? = nil) async throws -> FormAnswer {
        try await client.execute(uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) { response in
            FormAnswer(status: response.status, headers: response.headers, body: String(buffer: response.body))
        }
    }
}
