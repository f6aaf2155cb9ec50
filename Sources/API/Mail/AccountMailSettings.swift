import Mail

/// What account e-mails say and link to, and whether checkout waits for a verified address.
public struct AccountMailSettings: Sendable {
    /// The sender of account e-mails (`MAIL_FROM`).
    public var from: MailAddress
    /// The storefront's base URL (`STOREFRONT_URL`): links in e-mails open its pages
    /// (`/verify-email?token=…`, `/reset-password?token=…`), which post the token to the API.
    public var storefrontURL: String
    /// Checkout refuses customers whose e-mail address is not verified (`REQUIRE_VERIFIED_EMAIL`).
    public var requireVerifiedEmail: Bool

    public init(from: MailAddress = MailAddress("shop@commerce.localhost", name: "Commerce"), storefrontURL: String = "http://127.0.0.1:8080", requireVerifiedEmail: Bool = true) {
        self.from = from
        self.storefrontURL = storefrontURL
        self.requireVerifiedEmail = requireVerifiedEmail
    }
}
