import Foundation

/// A mailbox: an address with an optional display name.
public struct MailAddress: Sendable, Equatable, Codable {
    public let address: String
    public let name: String?

    public init(_ address: String, name: String? = nil) {
        self.address = address
        self.name = name
    }

    var header: String {
        guard let name, !name.isEmpty else { return "<\(address)>" }
        return "\(MailHeader.encodedWords(name)) <\(address)>"
    }
}
