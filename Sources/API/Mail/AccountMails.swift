import Foundation
import Mail

/// The account e-mails, in English, as text and HTML: verify an address, reset a password, and
/// "you already have an account" for a registration with a taken address (so the registration's
/// answer need not say so).
struct AccountMails: Sendable {
    let settings: AccountMailSettings

    func verifyEmail(to address: String, token: String) -> MailMessage {
        let link = self.link("verify-email", token: token)
        return message(
            to: address, subject: "Confirm your e-mail address",
            paragraphs: ["Please confirm that this is your e-mail address by opening the link below. It works once, for 24 hours."],
            link: link, token: token,
            closing: "If you did not create an account, ignore this e-mail."
        )
    }

    func resetPassword(to address: String, token: String) -> MailMessage {
        let link = self.link("reset-password", token: token)
        return message(
            to: address, subject: "Reset your password",
            paragraphs: ["Someone asked to reset the password of your account. To choose a new one, open the link below. It works once, for 30 minutes; resetting signs out every session of the account."],
            link: link, token: token,
            closing: "If it was not you, ignore this e-mail: your password stays as it is."
        )
    }

    func alreadyRegistered(to address: String) -> MailMessage {
        message(
            to: address, subject: "You already have an account",
            paragraphs: ["Someone tried to create an account with this e-mail address, which has one already. Sign in with it, or reset its password if you forgot it."],
            link: settings.storefrontURL + "/reset-password", token: nil,
            closing: "If it was not you, ignore this e-mail: nothing has changed."
        )
    }

    private func link(_ page: String, token: String) -> String {
        "\(settings.storefrontURL)/\(page)?token=\(token)"
    }

    private func message(to address: String, subject: String, paragraphs: [String], link: String, token: String?, closing: String) -> MailMessage {
        var text = paragraphs + [link]
        if let token { text.append("Or enter this code: \(token)") }
        text.append(closing)
        var html = paragraphs.map { "<p>\(HTML.escape($0))</p>" }
        html.append("<p><a href=\"\(HTML.escape(link))\">\(HTML.escape(link))</a></p>")
        if let token { html.append("<p>Or enter this code: <code>\(HTML.escape(token))</code></p>") }
        html.append("<p>\(HTML.escape(closing))</p>")
        return MailMessage(
            from: settings.from, to: MailAddress(address), subject: subject,
            text: text.joined(separator: "\n\n") + "\n",
            html: "<!DOCTYPE html><html><body>" + html.joined() + "</body></html>\n",
            messageID: "\(UUID().uuidString.lowercased())@\(settings.from.address.split(separator: "@").last ?? "commerce.localhost")"
        )
    }
}
