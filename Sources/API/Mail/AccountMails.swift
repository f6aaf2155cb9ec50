import EventStore
import Foundation
import Mail
import Notifications

/// The account e-mails, in English or German, as text and HTML: verify an address, reset a
/// password, welcome once the address is verified, and "you already have an account" for a
/// registration with a taken address (so the registration's answer need not say so).
struct AccountMails: Sendable {
    let settings: AccountMailSettings

    func verifyEmail(to address: String, token: String, locale: MailLocale = .en) -> MailMessage {
        let layout = switch locale {
        case .en: MailLayout(
                paragraphs: ["Please confirm that this is your e-mail address by opening the link below. It works once, for 24 hours."],
                link: ("Confirm my address", link("verify-email", token: token)), code: "Or enter this code: \(token)",
                closing: "If you did not create an account, ignore this e-mail.")
        case .de: MailLayout(
                paragraphs: ["Bitte bestätigen Sie über den folgenden Link, dass dies Ihre E-Mail-Adresse ist. Er gilt einmal, 24 Stunden lang."],
                link: ("Adresse bestätigen", link("verify-email", token: token)), code: "Oder geben Sie diesen Code ein: \(token)",
                closing: "Wenn Sie kein Konto angelegt haben, ignorieren Sie diese E-Mail.")
        }
        return message(layout, to: address, subject: locale == .de ? "Bestätigen Sie Ihre E-Mail-Adresse" : "Confirm your e-mail address", locale: locale)
    }

    func resetPassword(to address: String, token: String, locale: MailLocale = .en) -> MailMessage {
        let layout = switch locale {
        case .en: MailLayout(
                paragraphs: ["Someone asked to reset the password of your account. To choose a new one, open the link below. It works once, for 30 minutes; resetting signs out every session of the account."],
                link: ("Choose a new password", link("reset-password", token: token)), code: "Or enter this code: \(token)",
                closing: "If it was not you, ignore this e-mail: your password stays as it is.")
        case .de: MailLayout(
                paragraphs: ["Jemand möchte das Passwort Ihres Kontos zurücksetzen. Über den folgenden Link wählen Sie ein neues. Er gilt einmal, 30 Minuten lang; danach sind alle Sitzungen des Kontos abgemeldet."],
                link: ("Neues Passwort wählen", link("reset-password", token: token)), code: "Oder geben Sie diesen Code ein: \(token)",
                closing: "Wenn Sie das nicht waren, ignorieren Sie diese E-Mail: Ihr Passwort bleibt, wie es ist.")
        }
        return message(layout, to: address, subject: locale == .de ? "Passwort zurücksetzen" : "Reset your password", locale: locale)
    }

    func alreadyRegistered(to address: String, locale: MailLocale = .en) -> MailMessage {
        let layout = switch locale {
        case .en: MailLayout(
                paragraphs: ["Someone tried to create an account with this e-mail address, which has one already. Sign in with it, or reset its password if you forgot it."],
                link: ("Reset my password", settings.storefrontURL + "/reset-password"),
                closing: "If it was not you, ignore this e-mail: nothing has changed.")
        case .de: MailLayout(
                paragraphs: ["Jemand wollte mit dieser E-Mail-Adresse ein Konto anlegen, es gibt aber schon eines. Melden Sie sich damit an, oder setzen Sie das Passwort zurück, falls Sie es vergessen haben."],
                link: ("Passwort zurücksetzen", settings.storefrontURL + "/reset-password"),
                closing: "Wenn Sie das nicht waren, ignorieren Sie diese E-Mail: Es hat sich nichts geändert.")
        }
        return message(layout, to: address, subject: locale == .de ? "Sie haben schon ein Konto" : "You already have an account", locale: locale)
    }

    func welcome(to address: String, locale: MailLocale = .en) -> MailMessage {
        let layout = switch locale {
        case .en: MailLayout(
                paragraphs: ["Your e-mail address is confirmed: welcome! Your account keeps your orders, your addresses and your carts on every device."],
                link: ("Start shopping", settings.storefrontURL + "/"))
        case .de: MailLayout(
                paragraphs: ["Ihre E-Mail-Adresse ist bestätigt: willkommen! Ihr Konto bewahrt Ihre Bestellungen, Adressen und Warenkörbe auf jedem Gerät."],
                link: ("Jetzt einkaufen", settings.storefrontURL + "/"))
        }
        return message(layout, to: address, subject: locale == .de ? "Willkommen" : "Welcome", locale: locale)
    }

    private func link(_ page: String, token: String) -> String {
        "\(settings.storefrontURL)/\(page)?token=\(token)"
    }

    private func message(_ layout: MailLayout, to address: String, subject: String, locale: MailLocale) -> MailMessage {
        layout.message(
            from: settings.from, to: address, subject: subject,
            messageID: "\(RandomIdentifier.uuid().uuidString.lowercased())@\(settings.from.address.split(separator: "@").last ?? "commerce.localhost")",
            language: locale.rawValue
        )
    }
}
