import Aggregates

/// The wishlist alerts' mails: marketing (sent on opt-in, with an unsubscribe link), each about
/// one variant, linking to its product page.
extension OrderMails {
    public func backInStock(_ alert: WishlistBackInStock, productName: String, locale: MailLocale, unsubscribeURL: String) -> Draft {
        let link = "\(storefrontURL)/products/\(alert.productId.rawValue)"
        switch locale {
        case .en:
            return Draft(subject: "Back in stock: \(productName)", layout: MailLayout(
                paragraphs: ["\(productName) (\(alert.sku.rawValue)) from your wish list is available again. It is not reserved for you until you order."],
                rows: [("Available now", "\(alert.available)")], link: ("See the product", link),
                closing: "You get this mail because you asked for back-in-stock alerts. Unsubscribe: \(unsubscribeURL)"))
        case .de:
            return Draft(subject: "Wieder da: \(productName)", layout: MailLayout(
                paragraphs: ["\(productName) (\(alert.sku.rawValue)) von Ihrer Wunschliste ist wieder lieferbar. Reserviert ist der Artikel erst, wenn Sie bestellen."],
                rows: [("Jetzt verfügbar", "\(alert.available)")], link: ("Zum Produkt", link),
                closing: "Sie erhalten diese E-Mail, weil Sie Verfügbarkeits-Hinweise abonniert haben. Abbestellen: \(unsubscribeURL)"))
        }
    }

    public func priceDrop(_ alert: WishlistPriceDropped, productName: String, locale: MailLocale, unsubscribeURL: String) -> Draft {
        let link = "\(storefrontURL)/products/\(alert.productId.rawValue)"
        switch locale {
        case .en:
            return Draft(subject: "Price drop: \(productName)", layout: MailLayout(
                paragraphs: ["\(productName) (\(alert.sku.rawValue)) from your wish list costs less now."],
                rows: [("Before", locale.format(alert.previousPrice)), ("Now", locale.format(alert.price))], link: ("See the product", link),
                closing: "You get this mail because you asked for price-drop alerts. Unsubscribe: \(unsubscribeURL)"))
        case .de:
            return Draft(subject: "Preis gesenkt: \(productName)", layout: MailLayout(
                paragraphs: ["\(productName) (\(alert.sku.rawValue)) von Ihrer Wunschliste ist jetzt günstiger."],
                rows: [("Vorher", locale.format(alert.previousPrice)), ("Jetzt", locale.format(alert.price))], link: ("Zum Produkt", link),
                closing: "Sie erhalten diese E-Mail, weil Sie Preis-Hinweise abonniert haben. Abbestellen: \(unsubscribeURL)"))
        }
    }
}
