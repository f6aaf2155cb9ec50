import Aggregates
import Foundation

/// An address in a customer's address book, as the API shows it: the address as a cart takes
/// it, a label of the customer's choosing, and whether it is their default for shipping or
/// billing.
struct SavedAddress: Codable, Sendable, Equatable {
    var addressId: String
    var label: String
    var name: String
    var line1: String
    var line2: String?
    var city: String
    var postalCode: String
    var country: String
    var defaultShipping: Bool
    var defaultBilling: Bool

    init(addressId: String, label: String, address: Address, defaultShipping: Bool, defaultBilling: Bool) {
        self.addressId = addressId
        self.label = label
        (name, line1, line2, city, postalCode, country) = (address.name, address.line1, address.line2, address.city, address.postalCode, address.country)
        self.defaultShipping = defaultShipping
        self.defaultBilling = defaultBilling
    }

    var address: Address { Address(name: name, line1: line1, line2: line2, city: city, postalCode: postalCode, country: country) }
}
