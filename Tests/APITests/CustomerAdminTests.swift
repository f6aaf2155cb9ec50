import Foundation
import Testing
import TestSupport

/// Customer accounts as an admin manages them, through HTTP.
@Suite("Admin: customer accounts")
struct CustomerAdminTests {
    @Test("admins list and search accounts by e-mail, page by page, and see one with its orders; customers may not")
    func listAndSearch() async throws {
        try await withAPI { api, postgres in
            let admin = try await api.admin(postgres)
            var ids: [String: String] = [:]
            for name in ["ann", "bob", "ann_b", "cy%"] {
                ids[name] = try await api.register("\(name)@shop.example").userID
            }
            let all = try await api.call(.get, "/admin/customers?q=shop.example&limit=2", token: admin)
            let firstPage = (all["items"] as? [[String: any Sendable]] ?? []).compactMap { $0["email"] as? String }
            #expect(firstPage == ["ann@shop.example", "ann_b@shop.example"])
            let rest = try await api.call(.get, "/admin/customers?q=shop.example&limit=2&cursor=\(all.string("nextCursor"))", token: admin)
            #expect((rest["items"] as? [[String: any Sendable]] ?? []).compactMap { $0["email"] as? String } == ["bob@shop.example", "cy%@shop.example"])
            #expect(rest["nextCursor"] == nil)

            // The search is literal: `_` and `%` match themselves; case does not matter.
            let underscore = try await api.call(.get, "/admin/customers?q=ANN_", token: admin)
            #expect((underscore["items"] as? [[String: any Sendable]] ?? []).compactMap { $0["email"] as? String } == ["ann_b@shop.example"])
            let percent = try await api.call(.get, "/admin/customers?q=%25", token: admin)
            #expect((percent["items"] as? [[String: any Sendable]] ?? []).compactMap { $0["email"] as? String } == ["cy%@shop.example"])

            let one = try await api.call(.get, "/admin/customers/\(ids["bob"]!)", token: admin)
            #expect((one["account"] as? [String: any Sendable])?["email"] as? String == "bob@shop.example")
            #expect((one["orders"] as? [any Sendable])?.isEmpty == true)
            #expect(try await api.call(.get, "/admin/customers/u_nobody", token: admin).code == "customer_not_found")

            let customer = try await api.register("curious@shop.example").token
            #expect(try await api.call(.get, "/admin/customers", token: customer).status == .forbidden)
            #expect(try await api.call(.get, "/admin/customers").status == .unauthorized)
        }
    }

    @Test("a blocked account cannot sign in or renew its tokens, and its sessions end at once; unblocked it can; roles change; never one's own")
    func blockUnblockAndRoles() async throws {
        try await withAPI { api, postgres in
            let admin = try await api.admin(postgres)
            let credentials = ["email": "blocked@shop.example", "password": "correct horse battery"]
            try await api.call(.post, "/auth/register", body: credentials)
            let registered = try await api.call(.post, "/auth/login", body: credentials)
            let userID = registered.string("userId")

            let blocked = try await api.call(.post, "/admin/customers/\(userID)/block", token: admin)
            #expect(blocked.status == .ok)
            #expect(blocked["blockedAt"] != nil)
            #expect(try await api.call(.post, "/auth/refresh", body: ["refreshToken": registered.string("refreshToken")]).code == "invalid_refresh_token")
            let refused = try await api.call(.post, "/auth/login", body: credentials)
            #expect(refused.status == .forbidden)
            #expect(refused.code == "account_blocked")
            #expect(try await api.call(.post, "/auth/login", body: ["email": "blocked@shop.example", "password": "not the password"]).code == "invalid_credentials",
                    "only whoever knows the password learns of the block")

            let unblocked = try await api.call(.post, "/admin/customers/\(userID)/unblock", token: admin)
            #expect(unblocked.status == .ok)
            #expect(unblocked["blockedAt"] == nil)
            let signedIn = try await api.call(.post, "/auth/login", body: credentials)
            #expect(signedIn.status == .ok)
            #expect(signedIn.string("role") == "customer")

            let promoted = try await api.call(.put, "/admin/customers/\(userID)/role", token: admin, body: ["role": "admin"])
            #expect(promoted.string("role") == "admin")
            let renewed = try await api.call(.post, "/auth/refresh", body: ["refreshToken": signedIn.string("refreshToken")])
            #expect(renewed.string("role") == "admin", "a renewal reads the role afresh")
            #expect(try await api.call(.get, "/admin/customers", token: renewed.string("accessToken")).status == .ok)
            #expect(try await api.call(.put, "/admin/customers/\(userID)/role", token: admin, body: ["role": "owner"]).status == .badRequest)

            let adminID = try await postgres.query("SELECT user_id FROM users WHERE email LIKE 'admin-%'").decode(String.self).collectAll()[0]
            for path in ["/admin/customers/\(adminID)/block", "/admin/customers/\(adminID)/unblock"] {
                #expect(try await api.call(.post, path, token: admin).code == "own_account")
            }
            #expect(try await api.call(.put, "/admin/customers/\(adminID)/role", token: admin, body: ["role": "customer"]).code == "own_account")
            #expect(try await api.call(.post, "/admin/customers/u_nobody/block", token: admin).code == "customer_not_found")
        }
    }
}

/// PostgreSQL's text cannot hold NUL: every text query parameter refuses one with a 400 naming
/// it, never a 500 from the database (Schemathesis found `/admin/customers?cursor=]%00E`).
@Suite struct NulInQueryTests {
    @Test("a NUL in any text query parameter is a 400 naming it")
    func nulIsRefused() async throws {
        try await withAPI { api, postgres in
            let admin = try await api.admin(postgres)
            let customer = try await api.register("nul@example.com").token
            let cases: [(String, String, String)] = [
                ("/admin/customers?q=a%00b", "q", admin), ("/admin/customers?cursor=%5D%00E", "cursor", admin),
                ("/catalog/products?q=%00", "q", customer), ("/catalog/products?category=A%00/B", "category", customer),
                ("/catalog/products?cursor=%00", "cursor", customer), ("/orders?cursor=x%00", "cursor", customer),
                ("/admin/analytics/products/top?category=A%00", "category", admin), ("/admin/processes/failures?process=%00", "process", admin),
            ]
            for (path, field, token) in cases {
                let answer = try await api.call(.get, path, token: token)
                #expect(answer.status == .badRequest, "\(path)")
                #expect(answer.string("field") == field, "\(path)")
            }
        }
    }
}
