import Aggregates
import Application
import Foundation
import Hummingbird

/// The signed-in customer's own account: read it, set the profile, keep an address book,
/// export everything held about them, and close the account (erasing their personal data).
struct CustomerRoutes {
    let accounts: Accounts
    let limits: AuthLimits
    let profiles: CustomerProfiles
    let addresses: AddressBook
    let export: CustomerExport
    let erase: EraseCustomerData

    struct AddressList: Codable, Sendable {
        let addresses: [SavedAddress]
    }

    struct Closing: Codable {
        let password: String
    }

    /// - Parameters:
    ///   - members: signed-in routes with `Idempotency-Key`.
    ///   - signedIn: signed-in routes without it (closing the account leaves nothing of it behind).
    func addRoutes(members: RouterGroup<CommerceRequestContext>, signedIn: RouterGroup<CommerceRequestContext>) {
        signedIn.get("/customers/me") { _, context -> JSONBody<CustomerProfiles.Me> in
            let principal = try context.requirePrincipal()
            guard let me = try await profiles.me(principal.userID) else { throw Self.gone }
            return JSONBody(me)
        }
        members.put("/customers/me/profile") { request, context -> JSONBody<CustomerProfiles.Me> in
            let principal = try context.requirePrincipal()
            let profile = try await StrictJSON.decode(CustomerProfile.self, from: request, context: context)
            try await profiles.replace(profile, of: principal.userID)
            guard let me = try await profiles.me(principal.userID) else { throw Self.gone }
            return JSONBody(me)
        }
        signedIn.get("/customers/me/addresses") { _, context -> JSONBody<AddressList> in
            JSONBody(AddressList(addresses: try await addresses.list(of: try context.requirePrincipal().userID)))
        }
        members.post("/customers/me/addresses") { request, context -> EditedResponse<JSONBody<SavedAddress>> in
            let principal = try context.requirePrincipal()
            let entry = try await StrictJSON.decode(AddressBook.Entry.self, from: request, context: context)
            return EditedResponse(status: .created, response: JSONBody(try await addresses.add(entry, of: principal.userID)))
        }
        members.put("/customers/me/addresses/{addressId}") { request, context -> JSONBody<SavedAddress> in
            let principal = try context.requirePrincipal()
            let id = try context.parameters.require("addressId")
            let entry = try await StrictJSON.decode(AddressBook.Entry.self, from: request, context: context)
            guard let saved = try await addresses.replace(id, with: entry, of: principal.userID) else { throw Self.addressNotFound }
            return JSONBody(saved)
        }
        members.delete("/customers/me/addresses/{addressId}") { _, context -> Response in
            let principal = try context.requirePrincipal()
            guard try await addresses.delete(try context.parameters.require("addressId"), of: principal.userID) else { throw Self.addressNotFound }
            return Response(status: .noContent)
        }
        signedIn.get("/customers/me/export") { _, context -> Response in
            guard let document = try await export(try context.requirePrincipal()) else { throw Self.gone }
            var response = Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: .init(bytes: try StrictJSON.encoder.encode(document))))
            response.headers[.contentDisposition] = "attachment; filename=\"customer-export.json\""
            return response
        }
        signedIn.delete("/customers/me") { request, context -> Response in
            let principal = try context.requirePrincipal()
            guard principal.role == .customer else {
                throw Problem(.forbidden, "admin_account", "an admin account is closed by another admin, not through /customers/me")
            }
            let body = try await StrictJSON.decode(Closing.self, from: request, context: context)
            guard let (email, hash) = try await accounts.credentials(of: principal.userID) else { throw Self.gone }
            // Wrong guesses count toward the lock, as at sign-in.
            let confirmed = try await limits.signIn(email: email, from: context.remoteAddress) {
                try await accounts.checks(body.password, against: hash) ? true : nil
            }
            guard confirmed != nil else {
                throw Problem(.forbidden, "wrong_password", "the password is wrong", fields: ["field": .string("password")])
            }
            _ = try await erase(try CustomerID(principal.userID))
            return Response(status: .noContent)
        }
    }

    static let gone = Problem(.unauthorized, "unauthenticated", "this account no longer exists")
    static let addressNotFound = Problem(.notFound, "address_not_found", "you have no saved address with this id")
}
