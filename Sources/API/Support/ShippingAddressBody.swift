import Aggregates

/// The body of `PUT /carts/{cartId}/shipping-address`: an address, or `{"addressId": "adr_…"}`
/// naming one from the signed-in customer's address book.
enum ShippingAddressBody: Codable {
    case address(Address)
    case saved(String)

    private enum Keys: String, CodingKey {
        case addressId
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        if let id = try container.decodeIfPresent(String.self, forKey: .addressId) {
            self = .saved(id)
        } else {
            self = .address(try Address(from: decoder))
        }
    }

    func encode(to encoder: any Encoder) throws {
        switch self {
        case .address(let address):
            try address.encode(to: encoder)
        case .saved(let id):
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(id, forKey: .addressId)
        }
    }
}
