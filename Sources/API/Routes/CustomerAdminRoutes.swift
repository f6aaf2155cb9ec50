import Foundation
import Hummingbird
import Projections

/// Customer accounts for admins: list and search, one account with its latest orders, block and
/// unblock, change the role. An admin cannot block or change their own account (no one locks
/// the last admin out by a slip).
struct CustomerAdminRoutes {
    let accounts: CustomerAccounts
    let orders: OrderHistoryReader

    struct Detail: Codable, Sendable {
        let account: CustomerAccounts.Account
        /// The newest orders, from the order history read model.
        let orders: [OrderHistoryReader.Order]
    }

    struct RoleChange: Codable {
        let role: Principal.Role
    }

    func addRoutes(admin: RouterGroup<CommerceRequestContext>) {
        admin.get("customers") { request, context -> JSONBody<CustomerAccounts.Page> in
            let query = request.uri.queryParameters
            return JSONBody(try await accounts.list(
                search: try QueryParameters.text(query["q"], "q", maxLength: 254), limit: try QueryParameters.limit(query["limit"]),
                after: try QueryParameters.text(query["cursor"], "cursor", maxLength: 254)
            ))
        }
        admin.get("customers/:customerId") { _, context -> JSONBody<Detail> in
            let id = try context.parameters.require("customerId")
            let account = try found(try await accounts.account(id), id)
            return JSONBody(Detail(account: account, orders: try await orders.orders(customerID: account.userId, limit: 20, after: nil).items))
        }
        admin.post("customers/:customerId/block") { _, context -> JSONBody<CustomerAccounts.Account> in
            let id = try notSelf(context)
            return JSONBody(try await found(accounts.block(id), id))
        }
        admin.post("customers/:customerId/unblock") { _, context -> JSONBody<CustomerAccounts.Account> in
            let id = try notSelf(context)
            return JSONBody(try await found(accounts.unblock(id), id))
        }
        admin.put("customers/:customerId/role") { request, context -> JSONBody<CustomerAccounts.Account> in
            let id = try notSelf(context)
            let body = try await StrictJSON.decode(RoleChange.self, from: request, context: context)
            return JSONBody(try await found(accounts.setRole(body.role, of: id), id))
        }
    }

    private func found(_ account: CustomerAccounts.Account?, _ id: String) throws -> CustomerAccounts.Account {
        guard let account else { throw Problem(.notFound, "customer_not_found", "no account \(id)") }
        return account
    }

    private func notSelf(_ context: CommerceRequestContext) throws -> String {
        let id = try context.parameters.require("customerId")
        guard id != (try context.requireAdmin()).userID else {
            throw Problem(.conflict, "own_account", "an admin cannot block, unblock or change the role of their own account")
        }
        return id
    }
}
