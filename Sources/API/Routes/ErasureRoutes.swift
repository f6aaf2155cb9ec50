import Aggregates
import Application
import Hummingbird

/// `POST /admin/customers/{customerId}/erase`: erases a customer (GDPR art. 17) by deleting the
/// keys their personal data is sealed with, and closes their account. Idempotent.
struct ErasureRoutes {
    let erase: EraseCustomerData

    struct Answer: Codable, Sendable {
        let customerId: String
        let subjects: [String]
        let keysDeleted: Int
        let accountClosed: Bool
    }

    func addRoutes(admin: RouterGroup<CommerceRequestContext>) {
        admin.post("customers/:customerId/erase") { _, context -> JSONBody<Answer> in
            // An invalid id is the domain's validation.invalid_id (400).
            let customer = try CustomerID(try context.parameters.require("customerId"))
            let report = try await erase(customer)
            return JSONBody(Answer(customerId: customer.rawValue, subjects: report.subjects, keysDeleted: report.keysDeleted, accountClosed: report.accountClosed))
        }
    }
}
